"""Benchmark settings, read from BENCH_* environment variables."""

import os
from dataclasses import dataclass
from pathlib import Path

PROJECT_ROOT = Path(__file__).resolve().parent.parent

FULL_SCALE = 1_000_000
QUICK_SCALE = 20_000
FALLBACK_SCALE = 100_000
INCREMENT = 2_000
SECTIONS = ("intake", "pipeline", "pages")


class SettingsError(ValueError):
    """A BENCH_* variable has a value the benchmarks cannot use."""


@dataclass(frozen=True)
class BenchSettings:
    """Benchmark settings: sections, data size, repeats, time limits and paths."""

    scale: int
    seed: int
    runs: int
    quick: bool
    # Seconds that each intake measurement sends traffic for.
    intake_seconds: float
    concurrencies: tuple[int, ...]
    sections: tuple[str, ...]
    bench_dir: Path
    output: Path
    # A pipeline or reference process tree is killed above this resident
    # memory, so that it cannot exhaust the shared machine.
    memory_cap_bytes: int
    pipeline_timeout: float
    # Pipeline passes after the first start only while the run is expected
    # to end within this many seconds.
    budget_seconds: float
    # Responses of the pass that runs when BENCH_SCALE does not publish; 0 for none.
    fallback_scale: int

    @classmethod
    def from_environment(cls) -> "BenchSettings":
        quick = _flag("BENCH_QUICK")
        scale = _integer("BENCH_SCALE", QUICK_SCALE if quick else FULL_SCALE, 0)
        bench_dir = Path(os.environ.get("BENCH_DIR", PROJECT_ROOT / "var" / "bench"))
        default_output = (
            bench_dir / "BENCHMARKS-quick.md"
            if quick
            else PROJECT_ROOT / "BENCHMARKS.md"
        )
        sections = tuple(
            name.strip()
            for name in os.environ.get("BENCH_ONLY", ",".join(SECTIONS)).split(",")
            if name.strip()
        )
        unknown = [name for name in sections if name not in SECTIONS]
        if unknown or not sections:
            raise SettingsError(
                f"BENCH_ONLY={os.environ.get('BENCH_ONLY')!r} names no known "
                f"section: use a comma-separated list of {', '.join(SECTIONS)}"
            )
        return cls(
            scale=scale,
            seed=_integer("BENCH_SEED", 2026, 0),
            runs=_integer("BENCH_RUNS", 1 if quick else 3, 1),
            quick=quick,
            intake_seconds=float(
                _integer("BENCH_INTAKE_SECONDS", 3 if quick else 8, 1)
            ),
            concurrencies=(1, 8, 32),
            sections=sections,
            bench_dir=bench_dir,
            output=Path(os.environ.get("BENCH_OUTPUT", default_output)),
            memory_cap_bytes=_integer("BENCH_MEMORY_CAP_GB", 12, 1) * 10**9,
            pipeline_timeout=float(
                _integer("BENCH_PIPELINE_TIMEOUT", 900 if quick else 3600, 60)
            ),
            budget_seconds=60.0
            * _integer("BENCH_BUDGET_MINUTES", 20 if quick else 40, 1),
            fallback_scale=_integer(
                "BENCH_FALLBACK_SCALE", 0 if quick else FALLBACK_SCALE, 0
            ),
        )

    @property
    def work_dir(self) -> Path:
        """Working copies of stores and warehouses, replaced on every run."""
        return self.bench_dir / "work"


def _flag(name: str) -> bool:
    value = os.environ.get(name, "").strip().lower()
    if value in ("", "0", "false", "no"):
        return False
    if value in ("1", "true", "yes"):
        return True
    raise SettingsError(f"{name}={value!r} is not valid: set it to 1 or 0")


def _integer(name: str, default: int, minimum: int) -> int:
    text = os.environ.get(name, "").strip()
    if not text:
        return default
    try:
        value = int(text.replace("_", ""))
    except ValueError:
        raise SettingsError(
            f"{name}={text!r} is not a whole number: write it like 1000000 or 1_000_000"
        ) from None
    if value < minimum:
        raise SettingsError(f"{name}={value} is below {minimum}: use {minimum} or more")
    return value
