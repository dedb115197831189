"""`flask --app app …` commands: the only way data gets into or is rebuilt in the portal."""
import sys
from contextlib import contextmanager

import click
from flask import current_app
from tqdm import tqdm

from . import backend
from . import ingest as pipeline
from .archive import Archive, is_disk_full, is_read_only
from .searching import IndexUnavailable


def _bar(total=None, desc=""):
    """A progress bar on a terminal, silence in logs and CI."""
    return tqdm(total=total, desc=desc, unit="份", file=sys.stderr, disable=None, leave=False)


@contextmanager
def _plainly(what):
    """A full disk or an unreadable index ends a command with one clear line and exit code 1,
    not a traceback; every write is atomic, so what was there before is still whole."""
    try:
        yield
    except IndexUnavailable as exc:
        click.echo(f"索引无法读取（{exc}）：请运行 flask --app app reindex 或 check --repair 从存档重建", err=True)
        sys.exit(1)
    except OSError as exc:
        if is_read_only(exc):
            click.echo(f"{what}未完成：{exc.strerror or exc}", err=True)
            sys.exit(1)
        if not is_disk_full(exc):
            raise
        click.echo(f"没有足够的磁盘空间：{what}未完成（{exc.strerror or exc}），现有的存档和索引没有改动；"
                   f"腾出空间后再运行同一命令即可", err=True)
        sys.exit(1)


def register_commands(app):
    @app.cli.command("ingest")
    @click.argument("paths", nargs=-1, required=True, type=click.Path(exists=True))
    @click.option("--source-url", default=None, help="原件的来源网址，记入存档")
    @click.option("--workers", default=None, type=int, help="并行解析进程数")
    def ingest_command(paths, source_url, workers):
        """存档并索引报告文件或文件夹（.txt .md .html .htm .pdf .docx）。"""
        files = list(pipeline.iter_paths(paths))
        with _plainly("存档"), _bar(len(files), "存档") as bar:
            summary = pipeline.ingest_paths(current_app.config, paths, source_url=source_url,
                                            progress=bar.update, workers=workers)
        for result in summary.results:
            if result.status == "failed":
                click.echo(f"失败：{result.filename}：{result.error}", err=True)
        click.echo(summary.line())
        if summary.full or (summary.results and not any(summary.count(s) for s in ("added", "exists", "healed"))):
            sys.exit(1)

    @app.cli.command("reindex")
    def reindex_command():
        """从存档重建索引（先建新目录再替换，搜索不中断）。"""
        with _plainly("重建索引"), _bar(desc="索引") as bar:
            count = pipeline.reindex(current_app.config, progress=bar.update)
        click.echo(f"索引已重建：{count} 份报告")

    @app.cli.command("reparse")
    @click.option("--workers", default=None, type=int, help="并行解析进程数")
    def reparse_command(workers):
        """用当前解析器重新解析全部原件，然后重建索引。"""
        with _plainly("重新解析"), _bar(desc="解析") as bar:
            counts, total = pipeline.reparse(current_app.config, progress=bar.update, workers=workers)
        click.echo(f"重新解析：成功 {counts['parsed']} 份，未解析 {counts['unparsed']} 份；索引 {total} 份")

    @app.cli.command("check")
    @click.option("--repair", is_flag=True, help="从存档修复索引")
    def check_command(repair):
        """核对存档（原件哈希、记录）及其与索引是否一致。"""
        with _plainly("修复"):
            problems, unparsed = pipeline.check(current_app.config, repair=repair)
        for rid, filename, error in unparsed:
            click.echo(f"未解析：{rid} {filename}：{error}")
        for problem in problems:
            click.echo(f"问题：{problem}")
        click.echo("存档与索引一致" if not problems else f"发现 {len(problems)} 个问题")
        if problems:
            sys.exit(1)

    @app.cli.command("backup")
    @click.argument("dest", type=click.Path(file_okay=False))
    def backup_command(dest):
        """把存档（原件、meta、记录）增量复制到 DEST，到达时逐份核对 SHA-256。"""
        with _plainly("备份"):
            copied, unchanged = pipeline.backup(current_app.config, dest)
        click.echo(f"备份到 {dest}：复制 {copied} 份，未变 {unchanged} 份")

    @app.cli.command("restore")
    @click.argument("src", type=click.Path(exists=True, file_okay=False))
    def restore_command(src):
        """从 backup 做的副本 SRC 恢复存档，然后从存档重建索引。"""
        with _plainly("恢复"):
            copied, unchanged, indexed = pipeline.restore(current_app.config, src)
        click.echo(f"从 {src} 恢复：复制 {copied} 份，未变 {unchanged} 份；索引 {indexed} 份")

    @app.cli.command("ocr")
    @click.option("--limit", default=None, type=int, help="最多识别的扫描件份数")
    @click.option("--workers", default=1, type=int, help="并行识别进程数")
    def ocr_command(limit, workers):
        """对存档中等待文字识别的扫描件做 OCR，更新记录和索引。"""
        from . import ocrqueue

        waiting = len(ocrqueue.pending(Archive(current_app.config["ARCHIVE_DIR"])))
        with _bar(min(waiting, limit or waiting), "识别") as bar:
            read, failed = ocrqueue.drain(current_app.config, limit=limit, progress=bar.update, workers=workers)
        left = len(ocrqueue.pending(Archive(current_app.config["ARCHIVE_DIR"])))
        click.echo(f"文字识别：完成 {read} 份，失败 {failed} 份；仍在等待 {left} 份")

    @app.cli.group("db")
    def db_group():
        """PostgreSQL 后端的数据库结构（DATABASE_URL）：创建与迁移。"""

    @db_group.command("upgrade")
    @click.argument("revision", default="head")
    def db_upgrade_command(revision):
        """创建或迁移数据库结构到最新版本（alembic）；之后用 reindex 从存档填入报告。"""
        click.echo(f"数据库结构已是版本 {backend.upgrade_schema(current_app.config, revision)}")

    @db_group.command("current")
    def db_current_command():
        """显示数据库结构的当前版本与最新版本。"""
        current, head = backend.schema_revisions(current_app.config)
        click.echo(f"当前版本 {current or '（未建立）'}，最新版本 {head}")
        if current != head:
            sys.exit(1)
