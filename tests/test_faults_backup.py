"""A second copy: `backup DEST` copies the archive incrementally, checking every original on
arrival; `restore SRC` brings a destroyed archive back byte for byte and rebuilds the index."""
import shutil

from _faults import flask, run, tree_digest
from gikportal import index
from gikportal.archive import Archive
from gikportal.ingest import backup, check, ingest_paths, reparse, restore
from gikportal.query import SearchParams


def archive_bytes(folder):
    """Every file of the reports (originals, meta, records), not locks or temporary folders."""
    return {k: v for k, v in tree_digest(folder).items() if not k.startswith(".")}


def test_backup_destroy_restore_gives_back_every_byte(tmp_path, seed_paths, portal_config):
    assert ingest_paths(portal_config, seed_paths[:4]).count("added") == 4
    dest = tmp_path / "copy"
    assert backup(portal_config, dest) == (4, 0)
    assert backup(portal_config, dest) == (0, 4)  # incremental: only what dest lacks
    assert ingest_paths(portal_config, seed_paths).count("added") == 1
    assert backup(portal_config, dest) == (1, 4)
    reparse(portal_config)  # records rewritten in place count as changed only if their bytes differ
    copied, unchanged = backup(portal_config, dest)
    assert copied + unchanged == 5
    source = archive_bytes(portal_config["ARCHIVE_DIR"])
    assert archive_bytes(dest) == source and all(Archive(dest).verify(rid) == [] for rid in Archive(dest).ids())

    shutil.rmtree(portal_config["ARCHIVE_DIR"])
    shutil.rmtree(portal_config["INDEX_DIR"])
    assert restore(portal_config, dest) == (5, 0, 5)
    assert archive_bytes(portal_config["ARCHIVE_DIR"]) == source
    assert check(portal_config) == ([], [])
    assert index.search(portal_config["INDEX_DIR"], SearchParams.from_args({"q": "政府信息公开"}))["total"] == 5


def test_a_damaged_original_is_not_copied(tmp_path, seed_paths, portal_config):
    assert ingest_paths(portal_config, seed_paths[:2]).count("added") == 2
    archive = Archive(portal_config["ARCHIVE_DIR"])
    rid = archive.ids()[0]
    path = archive.original_path(rid)
    path.write_bytes(path.read_bytes() + b"x")
    try:
        backup(portal_config, tmp_path / "copy")
    except ValueError as exc:
        assert rid in str(exc)
    else:
        raise AssertionError("a damaged original was copied")
    assert not Archive(tmp_path / "copy").has(rid)


def test_backup_and_restore_commands(tmp_path, seed_paths, portal_config, cli_env):
    assert ingest_paths(portal_config, seed_paths).count("added") == 5
    made = run(flask("backup", str(tmp_path / "copy")), cli_env)
    assert made.returncode == 0 and "复制 5 份，未变 0 份" in made.stdout, made.stderr
    shutil.rmtree(portal_config["ARCHIVE_DIR"])
    back = run(flask("restore", str(tmp_path / "copy")), cli_env)
    assert back.returncode == 0 and "复制 5 份，未变 0 份；索引 5 份" in back.stdout, back.stderr
    assert run(flask("check"), cli_env).returncode == 0
