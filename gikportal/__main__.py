"""`python -m gikportal parse FILE…`: print parsed records; touches neither archive nor index."""
import json
import sys

import click

from .document import ExtractionError


@click.group()
def main():
    """gikportal 命令行工具。"""


@main.command()
@click.argument("files", nargs=-1, required=True)
def parse(files):
    """打印 FILE 的解析结果（一个文件为 JSON，多个文件为 JSON Lines）。"""
    from .records import build_record

    status = 0
    for name in files:
        try:
            with open(name, "rb") as fh:
                data = fh.read()
            record = build_record(data, name)
        except (OSError, ExtractionError) as exc:
            message = exc.strerror if isinstance(exc, OSError) and exc.strerror else str(exc)
            click.echo(f"gikportal parse: {name}: {message}", err=True)
            status = 2
            continue
        if len(files) == 1:
            click.echo(json.dumps(record, ensure_ascii=False, indent=2))
        else:
            click.echo(json.dumps(record, ensure_ascii=False))
    sys.exit(status)


if __name__ == "__main__":
    main()
