"""WSGI entry point (`app`) and `python app.py`: bring the portal up on the bundled samples."""
import os
import sys

from gikportal import create_app

if __name__ == "__main__":
    # the portal process reads scans in a background thread (gunicorn: set it for the workers;
    # a file lock lets one drain at a time)
    os.environ.setdefault("GIKPORTAL_OCR_WORKER", "1")
# a gunicorn worker (`gunicorn app:app`) opens and warms its index at start, /healthz says when
# it is ready; `python app.py` warms after ensure_samples below; the flask CLI does neither
app = create_app({"WARM_INDEX": True} if "gunicorn" in sys.modules else None)

if __name__ == "__main__":
    from gikportal.ingest import ensure_samples
    from gikportal.web.health import start_warming

    ensure_samples(app.config)
    start_warming(app)
    host = os.environ.get("GIKPORTAL_HOST", "127.0.0.1")
    port = int(os.environ.get("GIKPORTAL_PORT", "5000"))
    from waitress import serve

    print(f"gikportal: serving http://{host}:{port}/ (GET /healthz says when the index is warm)", flush=True)
    serve(app, host=host, port=port, threads=8)
