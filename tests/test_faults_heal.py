"""Ingest heals, check finds what a crash left.

「已存在」 means archived and searchable: an original that is archived but missing from the index,
or left unparsed by an older parser, is parsed again and indexed when it is ingested again. A
write killed by SIGKILL leaves a temporary folder holding half an original; `check` lists it,
`check --repair` removes it.
"""
import os
import signal
import subprocess
import sys
import textwrap

from _faults import ROOT, flask, run
from gikportal import backend
from gikportal.archive import Archive, report_id
from gikportal.ingest import check, ingest_bytes, ingest_paths


def test_an_archived_report_missing_from_the_index_is_indexed_by_ingest(seed_paths, portal_config):
    assert ingest_paths(portal_config, seed_paths).count("added") == 5
    engine = backend.for_config(portal_config)
    lost = sorted(engine.ids())[:2]
    engine.remove(lost)  # what a disk-full ingest of an older version left: archived, unfindable
    assert check(portal_config)[0]

    again = ingest_paths(portal_config, seed_paths)
    assert (again.count("exists"), again.count("healed")) == (3, 2)
    assert "新增 0 份，已存在 3 份，失败 0 份，补入索引 2 份" in again.line()
    assert engine.ids() >= set(lost) and check(portal_config) == ([], [])
    third = ingest_paths(portal_config, seed_paths)  # now all of them are archived and searchable
    assert third.count("exists") == 5 and third.count("healed") == 0


def test_an_original_left_unparsed_by_an_older_parser_is_parsed_when_ingested_again(seed_paths, portal_config):
    data = seed_paths[0].read_bytes()
    archive = Archive(portal_config["ARCHIVE_DIR"])
    rid, created = archive.put(data, seed_paths[0].name, "text/plain", record=None, error="旧版解析器无法解析")
    assert created and archive.meta(rid)["status"] == "unparsed"

    result = ingest_bytes(portal_config, data, seed_paths[0].name)
    assert result.status == "healed" and result.record["agency"]
    assert archive.meta(rid)["status"] == "parsed" and archive.record(rid)["id"] == rid
    assert rid in backend.for_config(portal_config).ids()
    assert archive.original_bytes(rid) == data
    assert check(portal_config) == ([], [])


CHILD = textwrap.dedent("""
    import sys, time
    from gikportal import archive

    def half_then_hang(path, data):  # the original is half on disk when the SIGKILL comes
        with open(path, "wb") as fh:
            fh.write(data[: len(data) // 2])
            fh.flush()
        print("half", flush=True)
        time.sleep(600)

    archive._write_file = half_then_hang
    archive.Archive(sys.argv[1]).put(open(sys.argv[2], "rb").read(), "r.txt", "text/plain")
""")


def test_a_write_killed_midway_is_listed_by_check_and_removed_by_repair(seed_paths, portal_config, cli_env):
    assert ingest_paths(portal_config, seed_paths[:4]).count("added") == 4
    child = subprocess.Popen([sys.executable, "-c", CHILD, portal_config["ARCHIVE_DIR"], str(seed_paths[4])],
                             cwd=ROOT, env=cli_env, stdout=subprocess.PIPE, text=True)
    assert child.stdout.readline().strip() == "half"
    os.kill(child.pid, signal.SIGKILL)
    child.wait()
    archive = Archive(portal_config["ARCHIVE_DIR"])
    [left] = archive.leftovers()
    data = seed_paths[4].read_bytes()
    assert left.parent.name == ".tmp" and left.name.startswith(report_id(data) + "-")
    assert (left / "original.txt").stat().st_size == len(data) // 2
    assert len(archive.ids()) == 4  # half an original is never a report

    found = run(flask("check"), cli_env)
    assert found.returncode == 1
    assert "中断的写入留下的临时文件" in found.stdout and left.name in found.stdout
    repaired = run(flask("check", "--repair"), cli_env)
    assert repaired.returncode == 0, repaired.stdout + repaired.stderr
    assert "存档与索引一致" in repaired.stdout
    assert archive.leftovers() == [] and not left.exists()
    assert ingest_paths(portal_config, seed_paths).count("added") == 1
    assert check(portal_config) == ([], [])


def test_check_lists_leftovers_in_a_shard_folder_too(seed_paths, portal_config):
    """Earlier versions assembled a report as <id>-xxxxxxxx beside the shard's reports."""
    assert ingest_paths(portal_config, seed_paths[:1]).count("added") == 1
    archive = Archive(portal_config["ARCHIVE_DIR"])
    [rid] = archive.ids()
    stray = archive.dir_for(rid).parent / f"{'a' * 16}-k3j9x0q2"
    stray.mkdir()
    (stray / "original.txt").write_bytes(b"half")
    partial = archive.dir_for(rid) / ".w-ab12cd34"
    partial.write_bytes(b"{")
    problems, _ = check(portal_config)
    assert len(problems) == 1 and "2 个中断的写入" in problems[0]
    assert check(portal_config, repair=True) == ([], [])
    assert not stray.exists() and not partial.exists() and archive.verify(rid) == []
