"""Shared fixtures: a throw-away archive and index per test, the bundled seeds, both search backends.

A test module that sets `BACKENDS = ("whoosh", "postgres")` runs its tests once per backend: the
module-scoped `backend` fixture is parametrised, `portal_config` and `_web_helpers.make_app` then
point at that backend (a fresh database on one PostgreSQL server started for the session by
tools.pgserver). Without the PostgreSQL binaries those tests fail; they never skip.
"""
import os
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
SAMPLES = ROOT / "samples"
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from gikportal import config as _config  # noqa: E402

_server = None


def pg_server():
    """The session's PostgreSQL server, started on first use (stopped in pytest_sessionfinish)."""
    global _server
    if _server is None:
        from tools.pgserver import PostgresServer

        _server = PostgresServer().start()
    return _server


def new_database():
    return pg_server().create_database()


def pytest_configure(config):
    config.addinivalue_line("markers", "slow: seconds or more (browsers, servers, LibreOffice, OCR, large "
                                       "archives); deselect with -m 'not slow', CI runs everything")


def pytest_sessionfinish(session, exitstatus):
    global _server
    if _server is not None:
        try:
            from gikportal import pgindex

            pgindex.close_pools()
        finally:
            _server.stop()
            _server = None


# The slow tier (`pytest -m "not slow"` skips it; CI runs everything): whole modules that start
# browsers, servers or the benchmark, every test on the PostgreSQL backend (a server per session,
# a database per module), and single tests that take seconds (crash, memory and parallelism
# tests, the CLI in subprocesses, large generated archives).
SLOW_MODULES = {"test_web_e2e", "test_bench", "test_backend_parity", "test_reliability_crash",
                "test_reliability_load", "test_start", "test_faults_disk"}
SLOW_TESTS = {
    "test_pdf_memory_stays_bounded_with_page_count", "test_docx_zip_bomb_over_the_unzipped_limit",
    "test_docx_zip_bomb_under_the_limit_caught_by_ratio", "test_pdf_tables_split_over_pages_are_joined",
    "test_grids_are_the_seeds_grids", "test_same_record_as_the_text_version",
    "test_ingest_command_adds_seeds_and_reports_failures", "test_sigkill_during_ingest_loses_nothing_and_reindex_agrees",
    "test_check_finds_and_repairs_index_drift", "test_reparse_rebuilds_records_from_originals",
    "test_bulk_ingest_commits_without_merging_then_settles", "test_parse_command_prints_json_and_json_lines",
    "test_rebuild_swaps_while_readers_search", "test_parallel_rebuild_answers_like_a_single_writer",
    "test_writer_waits_for_a_held_lock", "test_rjieba_tokens_equal_jieba_tokens_on_the_seeds",
    "test_segmenter_is_built_once_under_concurrent_first_use", "test_repeated_export_is_cached_and_a_new_report_shows_at_once",
    "test_legacy_and_2019_format_reports_render", "test_parser_never_crashes_and_keeps_the_record_shape",
    "test_a_stray_engine_import_breaks_the_contract", "test_reindex_leaves_every_record_byte_identical",
    "test_a_big_rebuild_analyses_in_workers_and_indexes_what_the_in_process_writer_does",
    "test_docx_truncated", "test_docx_paragraph_order_and_line_breaks", "test_byte_flips_never_raise_anything_else",
    "test_years_arriving_out_of_order_link_as_a_full_reindex_does", "test_mutated_seed_gives_record_or_clean_error",
    "test_a_write_killed_midway_is_listed_by_check_and_removed_by_repair",
    "test_the_ingest_command_on_a_read_only_archive_says_so_in_one_line", "test_backup_and_restore_commands",
}
# fixtures that build many files (every seed as PDF, DOCX and HTML)
SLOW_FIXTURES = {("test_extract_formats", "files")}


def pytest_collection_modifyitems(config, items):
    for item in items:
        params = getattr(item, "callspec", None)
        module = item.module.__name__.rpartition(".")[2]
        if (module in SLOW_MODULES or item.originalname in SLOW_TESTS
                or any((module, f) in SLOW_FIXTURES for f in getattr(item, "fixturenames", ()))
                or (params is not None and params.params.get("backend") == "postgres")):
            item.add_marker(pytest.mark.slow)


def pytest_generate_tests(metafunc):
    if "backend" in metafunc.fixturenames and hasattr(metafunc.module, "BACKENDS"):
        metafunc.parametrize("backend", metafunc.module.BACKENDS, indirect=True, scope="module")


def backend_settings(name):
    """Config entries for a backend: Whoosh needs nothing more, PostgreSQL a fresh database."""
    if name == "postgres":
        return {"BACKEND": "postgres", "DATABASE_URL": new_database()}
    return {"BACKEND": "whoosh"}


@pytest.fixture(scope="module")
def backend(request):
    """"whoosh" or "postgres"; make_app in _web_helpers follows it for the module's tests."""
    import _web_helpers

    name = getattr(request, "param", "whoosh")
    previous = _web_helpers.BACKEND
    _web_helpers.BACKEND = name
    yield name
    _web_helpers.BACKEND = previous


@pytest.fixture
def seed_paths():
    paths = sorted(SAMPLES.glob("*.txt"))
    assert len(paths) == 5
    return paths


@pytest.fixture
def portal_config(tmp_path, backend):
    """A full config dict pointing at fresh archive and index folders (and database)."""
    cfg = _config.from_env()
    cfg.update(ARCHIVE_DIR=str(tmp_path / "archive"), INDEX_DIR=str(tmp_path / "index"),
               SAMPLES_DIR=str(SAMPLES), ADMIN_TOKEN="test-token", SECRET_KEY="test",
               TESTING=True, RATELIMIT_ENABLED=False, WTF_CSRF_ENABLED=False)
    cfg.update(backend_settings(backend))
    return cfg


@pytest.fixture
def cli_env(portal_config):
    """Environment for running the real commands in a subprocess against the test folders."""
    env = dict(os.environ)
    env.update(GIKPORTAL_ARCHIVE_DIR=portal_config["ARCHIVE_DIR"],
               GIKPORTAL_INDEX_DIR=portal_config["INDEX_DIR"], PYTHONPATH=str(ROOT),
               GIKPORTAL_BACKEND=portal_config["BACKEND"])
    if portal_config["BACKEND"] == "postgres":
        env["DATABASE_URL"] = portal_config["DATABASE_URL"]
    return env
