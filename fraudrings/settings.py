"""One typed settings object for the whole service.

Values come from the environment (and an optional ``.env`` file in the working
directory). Neo4j settings use the names every Neo4j tool uses (``NEO4J_URI``,
``NEO4J_USER``, ``NEO4J_PASSWORD``); the service's own use the ``FRAUDRINGS_`` prefix.
A missing secret fails loudly at start-up, never with a default.
"""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path

from pydantic import AliasChoices, Field, SecretStr, ValidationError, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict


class SettingsError(RuntimeError):
    """Raised when the configuration is incomplete or invalid."""


def _neo(name: str) -> AliasChoices:
    return AliasChoices(f"NEO4J_{name}", f"neo4j_{name.lower()}")


class Settings(BaseSettings):
    model_config = SettingsConfigDict(
        env_prefix="FRAUDRINGS_",
        env_file=".env",
        env_file_encoding="utf-8",
        extra="ignore",
        populate_by_name=True,
    )

    # --- Neo4j connection (any server: the local one, the compose service, a cluster)
    neo4j_uri: str = Field(default="", validation_alias=_neo("URI"))
    neo4j_user: str = Field(default="neo4j", validation_alias=_neo("USER"))
    neo4j_password: SecretStr = Field(validation_alias=_neo("PASSWORD"))
    neo4j_database: str = Field(default="neo4j", validation_alias=_neo("DATABASE"))
    neo4j_connect_timeout_s: float = Field(default=10.0, validation_alias=_neo("CONNECT_TIMEOUT_S"))

    # --- The local server the project installs and runs itself
    neo4j_version: str = Field(default="5.26.30", validation_alias=_neo("VERSION"))
    neo4j_home: Path = Field(default=Path(".neo4j"), validation_alias=_neo("HOME"))
    # Several local servers can share the jars: "main" for the job, "test" for the tests.
    neo4j_instance: str = Field(default="main", validation_alias=_neo("INSTANCE"))
    neo4j_bolt_port: int = Field(default=7687, validation_alias=_neo("BOLT_PORT"))
    neo4j_http_port: int = Field(default=7474, validation_alias=_neo("HTTP_PORT"))
    neo4j_heap: str = Field(default="2g", validation_alias=_neo("HEAP"))
    neo4j_pagecache: str = Field(default="1g", validation_alias=_neo("PAGECACHE"))
    # Community defaults both to unlimited; the project sets its own caps.
    neo4j_tx_timeout: str = Field(default="30m", validation_alias=_neo("TX_TIMEOUT"))
    neo4j_tx_memory_max: str = Field(default="4g", validation_alias=_neo("TX_MEMORY_MAX"))
    neo4j_start_timeout_s: float = Field(default=180.0, validation_alias=_neo("START_TIMEOUT_S"))

    # --- Ingest
    batch_size: int = 5000
    quarantine_dir: Path = Path("data/quarantine")

    @model_validator(mode="after")
    def _derive(self) -> Settings:
        if not self.neo4j_uri:
            self.neo4j_uri = f"bolt://127.0.0.1:{self.neo4j_bolt_port}"
        if not self.neo4j_password.get_secret_value():
            raise ValueError("NEO4J_PASSWORD is empty")
        if self.batch_size < 1:
            raise ValueError("FRAUDRINGS_BATCH_SIZE must be positive")
        return self

    @property
    def is_local_uri(self) -> bool:
        host = self.neo4j_uri.split("://", 1)[-1].split(":", 1)[0].strip("[]")
        return host in {"127.0.0.1", "localhost", "::1"}


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    """The process-wide settings; raises :class:`SettingsError` with a readable message."""
    try:
        return Settings()  # type: ignore[call-arg]
    except ValidationError as exc:
        problems = []
        for err in exc.errors():
            loc = ".".join(str(p) for p in err["loc"]) or "settings"
            if err["type"] == "missing" and "password" in loc.lower():
                problems.append(
                    "NEO4J_PASSWORD is not set. Export it, or put NEO4J_PASSWORD=... in .env "
                    "(`scripts/run-all` writes a random one for the local server)."
                )
            else:
                problems.append(f"{loc}: {err['msg']}")
        raise SettingsError("invalid configuration: " + "; ".join(problems)) from None
