"""One typed settings object for the whole service.

Values come from the environment (and an optional ``.env`` file in the working
directory). Neo4j settings use the names every Neo4j tool uses (``NEO4J_URI``,
``NEO4J_USER``, ``NEO4J_PASSWORD``); the service's own use the ``FRAUDRINGS_`` prefix.
A missing secret fails loudly at start-up, never with a default.
"""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path
from typing import Literal

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

    # --- The lake (fraudrings/lake/, `fraudrings lake ingest`): drops land in Parquet under
    # lake_dir through DuckDB, whose memory is capped at lake_memory_mb (beyond it spills to
    # lake_dir/.tmp); lake_threads 0 = one per core.
    lake_dir: Path = Path("data/lake")
    lake_memory_mb: int = 1024
    lake_threads: int = 0
    # What computes the lake's projections for `detect --lake`: DuckDB on this machine,
    # or Apache Spark (`pip install .[spark]`, Java 17) at spark_master (local[2],
    # local-cluster[2,1,1024], spark://host:7077, ...).
    engine: Literal["duckdb", "spark"] = "duckdb"
    spark_master: str = "local[2]"

    # --- The lead-query API (`fraudrings serve`); see api/ and the README
    # Signs the bearer tokens (HS256). Required to serve; `scripts/bootstrap` writes a
    # random one to .env. At least 32 characters.
    api_secret_key: SecretStr = SecretStr("")
    # Keys the hash that names phones and addresses in the API (HMAC-SHA256): without
    # it an id would give the number away. Required to serve; 32+ characters.
    pseudonym_key: SecretStr = SecretStr("")
    # Keys the audit log's hash chain (HMAC-SHA256); kept outside the service database,
    # so a copy of the file cannot be rewritten into a chain that verifies. Required to
    # serve and for the commands that write or verify the log; 32+ characters.
    audit_key: SecretStr = SecretStr("")
    api_token_minutes: int = 60
    # Users, audit log and jobs: SQLite in WAL mode.
    service_db: Path = Path("data/service.db")
    # Comma-separated allowed origins for CORS; empty = no cross-origin access at all.
    api_cors_origins: str = ""
    # uvicorn worker processes for `fraudrings serve` (each with its own graph driver,
    # answer cache and rate buckets; users, sessions, audit and jobs are shared in SQLite).
    api_workers: int = 1
    # Per-user token bucket: sustained requests per minute and burst size.
    api_rate_per_minute: int = 600
    api_rate_burst: int = 120
    # Every API query runs under this timeout; results are capped.
    api_query_timeout_s: float = 10.0
    api_max_page: int = 200
    api_max_hops: int = 3
    api_max_nodes: int = 500
    api_max_path_hops: int = 6
    api_max_paths: int = 10
    api_max_events: int = 1000
    # Answers about leads (list pages, lead details) are kept in memory, per worker, while
    # the leads' generation (a token that every write to leads and every ingest renews)
    # is unchanged, and for at most api_cache_ttl_s (a backstop for writes made outside
    # the service's own code); 0 MiB = off.
    api_cache_mb: int = 256
    api_cache_ttl_s: float = 600.0
    # Pre-settlement checks that arrive while one runs share the next Neo4j transaction,
    # up to this many (1 = one transaction per check); past the time limit a check
    # answers "no warning, check unavailable".
    api_check_max_batch: int = 32
    # The counter's lane (api/lane.py) answers POST /check/settlement without the router.
    api_check_lane: bool = True
    api_check_timeout_s: float = 2.0
    # The check's read model (api/checkfacts.py, graph/checkfacts.py): the facts a check
    # needs, copied from the graph into one SQLite file after every ingest (a build in
    # its own process) and used only while the graph's data and leads tokens, read every
    # api_check_facts_poll_s seconds, are those it was made under; otherwise, and when
    # off, each check asks Neo4j. Default file: check-facts-<instance>.sqlite beside the
    # service database.
    api_check_facts: bool = True
    api_check_facts_path: Path | None = None
    api_check_facts_poll_s: float = 0.5
    # How long one API query waits for an unreachable Neo4j before answering 503.
    api_neo4j_retry_s: float = 2.0
    # Ingest jobs started from the API may only read drops under this folder.
    api_drops_dir: Path = Path("data")
    # Sign-in: this many failures in a row lock the account for this many minutes; a
    # token unused for api_idle_minutes is refused (and revoked).
    api_login_max_failures: int = 5
    # Sign-in attempts per client address (a token bucket): per minute, and burst.
    api_login_rate_per_minute: int = 20
    api_login_burst: int = 10
    # In front of every route (api/gate.py): the largest request body in bytes; 401, 413
    # and 422 answers per client address (a token bucket: per minute, burst) before the
    # client gets 429 without an audit row; the reverse proxies (comma-separated
    # addresses or networks) whose X-Forwarded-For is believed.
    api_max_body_bytes: int = 2 << 20
    api_fail_rate_per_minute: int = 60
    api_fail_burst: int = 30
    api_trusted_proxies: str = ""
    api_login_lockout_minutes: float = 15.0
    api_idle_minutes: float = 15.0
    # A token's user and session, once found valid in the service database, are taken
    # as valid for this many seconds by the worker that checked them (a sign-out through
    # the same worker applies at once; one through another worker, or a user disabled
    # from the command line, within this time). 0: read the database on every request.
    api_auth_recheck_s: float = 1.0
    # The audit log is kept this many days at least (184 is the legal floor).
    audit_retention_days: int = 184
    # Encryption in transit: Bolt with TLS required on the local Neo4j, HTTPS for the API,
    # both with the key and certificate in tls_dir (`fraudrings tls make-cert DIR`).
    tls: bool = False
    tls_dir: Path = Path(".tls")

    # --- Referral packages to public security (referral/); see the README
    # Where the API writes packages: <referral_dir>/<lead_id>/<evidence version>/.
    referral_dir: Path = Path("data/referrals")
    # A TrueType font with Chinese glyphs (.ttf/.ttc); default: .fonts/ from bootstrap.
    referral_font: Path | None = None
    # Legal thresholds per province and quoted provisions; default referral/thresholds.toml.
    referral_thresholds: Path | None = None

    @model_validator(mode="after")
    def _derive(self) -> Settings:
        if self.api_check_facts_path is None:
            self.api_check_facts_path = (
                self.service_db.parent / f"check-facts-{self.neo4j_instance}.sqlite"
            )
        if not self.neo4j_uri:
            scheme = "bolt+ssc" if self.tls else "bolt"  # local self-signed certificate
            self.neo4j_uri = f"{scheme}://127.0.0.1:{self.neo4j_bolt_port}"
        if not self.neo4j_password.get_secret_value():
            raise ValueError("NEO4J_PASSWORD is empty")
        if self.batch_size < 1:
            raise ValueError("FRAUDRINGS_BATCH_SIZE must be positive")
        if self.lake_memory_mb < 64 or self.lake_threads < 0:
            raise ValueError("FRAUDRINGS_LAKE_MEMORY_MB must be at least 64, LAKE_THREADS >= 0")
        if self.api_token_minutes < 1:
            raise ValueError("FRAUDRINGS_API_TOKEN_MINUTES must be positive")
        if self.audit_retention_days < 184:
            raise ValueError("FRAUDRINGS_AUDIT_RETENTION_DAYS must be at least 184")
        if self.api_login_max_failures < 1:
            raise ValueError("FRAUDRINGS_API_LOGIN_MAX_FAILURES must be positive")
        return self

    @property
    def cors_origins(self) -> list[str]:
        return [o.strip() for o in self.api_cors_origins.split(",") if o.strip()]

    def require_api_secret(self) -> str:
        """The JWT signing key; raises :class:`SettingsError` when it is missing or short."""
        key = self.api_secret_key.get_secret_value()
        if len(key) < 32:
            raise SettingsError(
                "FRAUDRINGS_API_SECRET_KEY is not set (or shorter than 32 characters); the API "
                "signs its tokens with it. Put FRAUDRINGS_API_SECRET_KEY=... in .env "
                "(`scripts/bootstrap` writes a random one)."
            )
        return key

    def require_audit_key(self) -> str:
        """The audit chain's HMAC key; raises :class:`SettingsError` when it is missing or
        short."""
        key = self.audit_key.get_secret_value()
        if len(key) < 32:
            raise SettingsError(
                "FRAUDRINGS_AUDIT_KEY is not set (or shorter than 32 characters); the audit "
                "log's hash chain is keyed with it. Put FRAUDRINGS_AUDIT_KEY=... in .env "
                "(scripts/bootstrap writes one) and keep a copy outside the service database."
            )
        return key

    def require_pseudonym_key(self) -> str:
        """The key of phone and address ids; raises :class:`SettingsError` when it is
        missing or short."""
        key = self.pseudonym_key.get_secret_value()
        if len(key) < 32:
            raise SettingsError(
                "FRAUDRINGS_PSEUDONYM_KEY is not set (or shorter than 32 characters); the "
                "API names phones and addresses with a keyed hash. Put "
                "FRAUDRINGS_PSEUDONYM_KEY=... in .env (scripts/bootstrap writes one)."
            )
        return key

    @property
    def tls_cert(self) -> Path:
        return self.tls_dir / "cert.pem"

    @property
    def tls_key(self) -> Path:
        return self.tls_dir / "key.pem"

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
