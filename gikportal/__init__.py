"""gikportal: archive and full-text search of 政府信息公开工作年度报告."""
from pathlib import Path

from flask import Flask

from . import config

ROOT = Path(__file__).resolve().parent.parent


def create_app(overrides=None):
    """App factory: settings from the environment, then any overrides (tests pass their own dirs)."""
    app = Flask(__name__, template_folder=str(ROOT / "templates"),
                static_folder=str(ROOT / "static"), static_url_path="/static")
    app.config.update(config.from_env())
    if overrides:
        app.config.update(overrides)
    app.config.setdefault("MAX_CONTENT_LENGTH", app.config["MAX_FILE_BYTES"])

    from .web import register_blueprints
    register_blueprints(app)
    from .cli import register_commands
    register_commands(app)
    if app.config.get("WARM_INDEX"):
        from .web.health import start_warming
        start_warming(app)
    if app.config.get("OCR_WORKER"):
        from .ocrqueue import start_worker
        app.extensions["gikportal.ocr"] = start_worker(app.config)
    return app
