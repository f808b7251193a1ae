"""docker-compose.yml is accepted by `docker compose config` and has no default password.

Needs the Compose v2 plugin (`scripts/check-compose` builds it from the Go module proxy
where Docker's own packages are not available); skipped where it is absent.
"""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


def _compose_available() -> bool:
    if not shutil.which("docker"):
        return False
    return subprocess.run(["docker", "compose", "version"], capture_output=True).returncode == 0


pytestmark = pytest.mark.skipif(not _compose_available(), reason="docker compose v2 not installed")


def _config(tmp_path: Path, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    for name in ("docker-compose.yml", "Dockerfile"):
        shutil.copy(ROOT / name, tmp_path / name)  # away from the project's .env
    return subprocess.run(
        ["docker", "compose", "config"],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        env={"PATH": "/usr/local/bin:/usr/bin:/bin", "HOME": str(Path.home()), **env},
    )


def test_compose_config_accepts_the_file(tmp_path: Path) -> None:
    env = {
        "NEO4J_PASSWORD": "example-secret",
        "FRAUDRINGS_API_SECRET_KEY": "k" * 48,
        "FRAUDRINGS_PSEUDONYM_KEY": "p" * 48,
        "FRAUDRINGS_AUDIT_KEY": "a" * 48,
    }
    out = _config(tmp_path, env)
    assert out.returncode == 0, out.stderr
    assert "image: neo4j:5.26-community" in out.stdout
    assert "healthcheck" in out.stdout and "NEO4J_AUTH: neo4j/example-secret" in out.stdout


def test_compose_refuses_to_run_without_a_password(tmp_path: Path) -> None:
    out = _config(
        tmp_path,
        {
            "FRAUDRINGS_API_SECRET_KEY": "k" * 48,
            "FRAUDRINGS_PSEUDONYM_KEY": "p" * 48,
            "FRAUDRINGS_AUDIT_KEY": "a" * 48,
        },
    )
    assert out.returncode != 0
    assert "NEO4J_PASSWORD" in out.stderr


def test_compose_refuses_to_run_without_the_api_secret(tmp_path: Path) -> None:
    out = _config(
        tmp_path,
        {
            "NEO4J_PASSWORD": "example-secret",
            "FRAUDRINGS_PSEUDONYM_KEY": "p" * 48,
            "FRAUDRINGS_AUDIT_KEY": "a" * 48,
        },
    )
    assert out.returncode != 0
    assert "FRAUDRINGS_API_SECRET_KEY" in out.stderr


def test_compose_refuses_to_run_without_the_pseudonym_key(tmp_path: Path) -> None:
    out = _config(
        tmp_path,
        {
            "NEO4J_PASSWORD": "example-secret",
            "FRAUDRINGS_API_SECRET_KEY": "k" * 48,
            "FRAUDRINGS_AUDIT_KEY": "a" * 48,
        },
    )
    assert out.returncode != 0
    assert "FRAUDRINGS_PSEUDONYM_KEY" in out.stderr


def test_compose_refuses_to_run_without_the_audit_key(tmp_path: Path) -> None:
    env = {
        "NEO4J_PASSWORD": "example-secret",
        "FRAUDRINGS_API_SECRET_KEY": "k" * 48,
        "FRAUDRINGS_PSEUDONYM_KEY": "p" * 48,
    }
    out = _config(tmp_path, env)
    assert out.returncode != 0
    assert "FRAUDRINGS_AUDIT_KEY" in out.stderr
