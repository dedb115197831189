"""WSGI entry point (`app`) and `python app.py`: bring the portal up on the bundled samples."""
import os

from gikportal import create_app

if __name__ == "__main__":
    # the portal process reads scans in a background thread (gunicorn: set it for the workers;
    # a file lock lets one drain at a time)
    os.environ.setdefault("GIKPORTAL_OCR_WORKER", "1")
app = create_app()

if __name__ == "__main__":
    from gikportal.ingest import ensure_samples

    ensure_samples(app.config)
    host = os.environ.get("GIKPORTAL_HOST", "127.0.0.1")
    port = int(os.environ.get("GIKPORTAL_PORT", "5000"))
    from waitress import serve

    print(f"gikportal: serving http://{host}:{port}/", flush=True)
    serve(app, host=host, port=port, threads=8)
