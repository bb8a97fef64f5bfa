"""Paths the pipeline reads and writes: the store, the warehouse files, the lock."""

import os
from dataclasses import dataclass
from pathlib import Path

from survey_app.config import CONFIGS, PROJECT_ROOT, ConfigurationError

# The dbt engineer's project; tests point IMHARS_DBT_PROJECT_DIR elsewhere.
DEFAULT_DBT_PROJECT_DIR = PROJECT_ROOT / "dbt_project"


@dataclass(frozen=True)
class PipelineSettings:
    """Paths of one installation, taken from the same settings as the app."""

    database_url: str
    var_dir: Path
    warehouse_dir: Path
    dbt_project_dir: Path = DEFAULT_DBT_PROJECT_DIR

    @classmethod
    def from_environment(cls) -> "PipelineSettings":
        """Read IMHARS_ENV and the IMHARS_* path variables, as the app does.

        The pipeline needs no secret, so unlike the app it starts without
        IMHARS_SECRET_KEY.
        """
        env_name = os.environ.get("IMHARS_ENV", "production")
        try:
            config = CONFIGS[env_name]()
        except KeyError:
            raise ConfigurationError(
                f"IMHARS_ENV is {env_name!r}: set it to one of "
                f"{', '.join(sorted(CONFIGS))}"
            ) from None
        return cls.from_config(config)

    @classmethod
    def from_config(cls, config) -> "PipelineSettings":
        """Take the paths from an app configuration (a Config or app.config)."""

        def get(name):
            return config[name] if isinstance(config, dict) else getattr(config, name)

        dbt_project_dir = os.environ.get(
            "IMHARS_DBT_PROJECT_DIR", str(DEFAULT_DBT_PROJECT_DIR)
        )
        return cls(
            database_url=get("SQLALCHEMY_DATABASE_URL"),
            var_dir=Path(get("VAR_DIR")),
            warehouse_dir=Path(get("WAREHOUSE_DIR")),
            dbt_project_dir=Path(dbt_project_dir),
        )

    @property
    def raw_path(self) -> Path:
        return self.warehouse_dir / "raw.duckdb"

    @property
    def build_dir(self) -> Path:
        return self.warehouse_dir / "build"

    @property
    def published_path(self) -> Path:
        return self.warehouse_dir / "published.duckdb"

    @property
    def previous_dir(self) -> Path:
        return self.warehouse_dir / "previous"

    @property
    def reports_dir(self) -> Path:
        return self.warehouse_dir / "reports"

    @property
    def logs_dir(self) -> Path:
        return self.warehouse_dir / "logs"

    @property
    def dbt_target_dir(self) -> Path:
        return self.warehouse_dir / "dbt-target"

    @property
    def lock_path(self) -> Path:
        return self.var_dir / "pipeline.lock"

    @property
    def build_path(self) -> Path:
        """The DuckDB file that the current run builds into.

        It is named like the published file because DuckDB names a file's
        catalog after its stem, and dbt writes that catalog name into every
        view it creates: views built in build/published.duckdb still resolve
        once the file is published. Its path stays the same from run to run,
        so dbt can reuse its parsed project (partial parsing).
        """
        return self.build_dir / self.published_path.name
