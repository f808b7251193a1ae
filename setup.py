"""Build step of the wheel: the workbench's static files become package data.

Everything else is in pyproject.toml. ``web/app`` is copied to ``fraudrings/api/web/app``
and each library file the page loads (``fraudrings/api/webfiles.py``) from
``web/node_modules`` to ``fraudrings/api/web/vendor/<name>``, in the build folder only.
"""

from __future__ import annotations

import runpy
import shutil
from pathlib import Path

from setuptools import setup
from setuptools.command.build_py import build_py

HERE = Path(__file__).resolve().parent


class BuildWithWorkbench(build_py):
    def run(self) -> None:
        super().run()
        if getattr(self, "editable_mode", False):
            # an editable install serves web/ from the checkout itself (api/routers/ui.py),
            # and bootstrap installs the Python packages before npm fills web/node_modules
            return
        web = HERE / "web"
        files = runpy.run_path(str(HERE / "fraudrings" / "api" / "webfiles.py"))
        dest = Path(self.build_lib) / "fraudrings" / "api" / files["PACKAGED"]
        if dest.exists():
            shutil.rmtree(dest)
        shutil.copytree(web / "app", dest / "app")
        (dest / "vendor").mkdir(parents=True)
        missing = []
        for name, rel in files["VENDOR"].items():
            src = web / "node_modules" / rel
            if not src.is_file():
                missing.append(str(src))
                continue
            shutil.copyfile(src, dest / "vendor" / name)
        if missing:
            raise SystemExit(
                "the workbench's libraries are not installed (run ./scripts/bootstrap, "
                "which runs npm ci): " + ", ".join(missing)
            )


setup(cmdclass={"build_py": BuildWithWorkbench})
