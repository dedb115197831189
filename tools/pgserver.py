"""A throw-away PostgreSQL server for tests and benchmarks: Debian's binaries, a temp dir, a socket.

    from tools.pgserver import temporary_server

    with temporary_server() as server:          # initdb + start; stopped and deleted on exit
        url = server.create_database("gik")     # postgresql://postgres@/gik?host=/tmp/...&port=...
        ...

`temporary_server()` yields a `PostgresServer` (`.url` is its `postgres` database); `python -m
tools.pgserver` starts one and prints its URL until Ctrl-C. `server.start_replica()` adds a hot
standby streaming from it (`pg_basebackup -R`, its own temp dir and port), which `kill()` stops
as a crash would and `restart()` starts again on the same data, so it catches up and rejoins. The binaries are found under
/usr/lib/postgresql/*/bin (newest first; PG_BINDIR overrides). initdb refuses to run as root, so
as root the server runs as the `postgres` OS user that Debian's package creates. It listens on a
unix socket in its own temp dir (loopback TCP too with tcp=True), trusts local connections, and
runs without fsync: it holds nothing that outlives it. Its postmaster gets SIGQUIT (immediate
shutdown) if the thread that started it dies, so a killed test run leaves no server behind; start
it from the main thread or from a thread that outlives its use.
"""
import ctypes
import glob
import os
import pwd
import shutil
import signal
import socket
import subprocess
import tempfile
import time
from contextlib import contextmanager
from pathlib import Path
from urllib.parse import quote

START_TIMEOUT = 60
SETTINGS = {"fsync": "off", "synchronous_commit": "off", "full_page_writes": "off",
            "max_connections": "100", "shared_buffers": "128MB", "work_mem": "16MB",
            "maintenance_work_mem": "256MB", "max_wal_size": "2GB", "jit": "off"}


class PostgresNotFound(RuntimeError):
    pass


def find_bindir():
    """The bin directory of the newest installed PostgreSQL server (initdb, pg_ctl, postgres)."""
    explicit = os.environ.get("PG_BINDIR")
    candidates = [explicit] if explicit else sorted(
        glob.glob("/usr/lib/postgresql/*/bin"), key=lambda p: _version_key(Path(p).parent.name), reverse=True)
    for path in candidates:
        if path and all(os.access(os.path.join(path, b), os.X_OK) for b in ("initdb", "postgres", "pg_ctl")):
            return path
    raise PostgresNotFound("PostgreSQL server binaries not found under /usr/lib/postgresql/*/bin "
                           "(apt-get install postgresql, or set PG_BINDIR)")


def _version_key(name):
    return tuple(int(p) if p.isdigit() else 0 for p in name.split("."))


def _free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _die_with_parent():
    """preexec_fn: SIGQUIT (immediate shutdown) to the postmaster when its starter goes away."""
    try:
        ctypes.CDLL(None, use_errno=True).prctl(1, signal.SIGQUIT)  # PR_SET_PDEATHSIG
    except (OSError, AttributeError):  # pragma: no cover - not Linux
        pass


class PostgresServer:
    """One initdb'd cluster in a temp dir, run by `start()` until `stop()`."""

    def __init__(self, tcp=False, bindir=None, settings=None, primary=None):
        self.bindir = bindir or find_bindir()
        self.tcp = tcp
        self.settings = dict(SETTINGS, **(settings or {}))
        self.primary = primary  # a PostgresServer this one is a streaming replica of
        self.replicas = []
        self.root = None
        self.port = None
        self.process = None
        self.user = None
        self.log = None

    # --- lifecycle -----------------------------------------------------------------------------

    def start(self):
        self.root = Path(tempfile.mkdtemp(prefix="gikportal-pg-"))
        self.datadir, self.sockdir = self.root / "data", self.root / "sock"
        self.sockdir.mkdir()
        self.user = self._os_user()
        if self.user is not None:  # root: the cluster belongs to the postgres OS user
            for path in (self.root, self.sockdir):
                os.chown(path, self.user.pw_uid, self.user.pw_gid)
        self.port = _free_port()
        if self.primary is None:
            self._run([self._bin("initdb"), "-D", str(self.datadir), "-U", "postgres", "-A", "trust",
                       "-E", "UTF8", "--no-locale", "-N"])
        else:  # a copy of the primary that streams its WAL (-R writes primary_conninfo, standby.signal)
            self._run([self._bin("pg_basebackup"), "-D", str(self.datadir), "-R", "-X", "stream", "-c", "fast",
                       "-h", str(self.primary.sockdir), "-p", str(self.primary.port), "-U", "postgres"])
        self._launch()
        return self

    def _launch(self):
        options = {"port": str(self.port), "unix_socket_directories": str(self.sockdir),
                   "listen_addresses": "127.0.0.1" if self.tcp else ""}
        options.update(self.settings)
        args = [self._bin("postgres"), "-D", str(self.datadir)]
        for key, value in options.items():
            args += ["-c", f"{key}={value}"]
        self.log = open(self.root / "server.log", "ab")
        self.process = subprocess.Popen(args, stdout=self.log, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL,
                                        preexec_fn=_die_with_parent, **self._as_user())
        self._wait_ready()

    def start_replica(self, settings=None):
        """A hot standby of this server, streaming its WAL, started; stopped with this one.

        Both run with full_page_writes on (the throw-away default is off): without the full page
        images a standby's replay of RUM's generic WAL records finds pages that do not exist yet
        (PANIC: WAL contains references to invalid pages)."""
        if self.settings.get("full_page_writes") != "on":  # set on the command line: a restart
            self.settings["full_page_writes"] = "on"
            self.process.send_signal(signal.SIGINT)  # fast shutdown
            self.process.wait(60)
            self.log.close()
            self._launch()
        replica = PostgresServer(tcp=self.tcp, bindir=self.bindir, primary=self,
                                 settings=dict(self.settings, **(settings or {})))
        replica.start()
        self.replicas.append(replica)
        return replica

    def kill(self):
        """Stop the postmaster at once, as a crash would (the data stays for restart())."""
        if self.process is not None and self.process.poll() is None:
            self.process.send_signal(signal.SIGQUIT)
            self.process.wait(20)
        self.process = None
        if self.log is not None:
            self.log.close()
            self.log = None

    def restart(self):
        """Start again on the same data and port (a replica recovers and streams again)."""
        self.kill()
        self._launch()
        return self

    def wait_replayed(self, timeout=30):
        """Wait until every replica has replayed this primary's WAL as of now."""
        import psycopg

        with psycopg.connect(self.url, autocommit=True) as conn:
            lsn = conn.execute("SELECT pg_current_wal_insert_lsn()::text").fetchone()[0]  # past every commit (synchronous_commit off)
        deadline = time.monotonic() + timeout
        for replica in self.replicas:
            with psycopg.connect(replica.url, autocommit=True) as conn:
                while not conn.execute("SELECT pg_last_wal_replay_lsn() >= %s::pg_lsn", (lsn,)).fetchone()[0]:
                    if time.monotonic() > deadline:
                        raise TimeoutError(f"replica on port {replica.port} did not replay {lsn}")
                    time.sleep(0.05)

    def stop(self):
        """Immediate shutdown (nothing here needs to survive), then delete the cluster."""
        for replica in self.replicas:
            replica.stop()
        self.replicas = []
        if self.process is not None and self.process.poll() is None:
            self.process.send_signal(signal.SIGQUIT)
            try:
                self.process.wait(20)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(10)
        self.process = None
        if self.log is not None:
            self.log.close()
            self.log = None
        if self.root is not None:
            shutil.rmtree(self.root, ignore_errors=True)
            self.root = None

    def __enter__(self):
        return self.start()

    def __exit__(self, *exc):
        self.stop()

    # --- connecting ----------------------------------------------------------------------------

    def url_for(self, dbname="postgres"):
        host = "127.0.0.1" if self.tcp else str(self.sockdir)
        if self.tcp:
            return f"postgresql://postgres@127.0.0.1:{self.port}/{dbname}"
        return f"postgresql://postgres@/{dbname}?host={quote(host, safe='/')}&port={self.port}"

    @property
    def url(self):
        return self.url_for("postgres")

    def create_database(self, name=None):
        """A new empty database; returns its URL."""
        import psycopg

        name = name or f"gik_{os.urandom(6).hex()}"
        with psycopg.connect(self.url, autocommit=True) as conn:
            conn.execute(f'CREATE DATABASE "{name}" TEMPLATE template0 ENCODING \'UTF8\'')
        return self.url_for(name)

    def drop_database(self, name_or_url):
        import psycopg

        name = name_or_url.rsplit("/", 1)[-1].split("?", 1)[0]
        with psycopg.connect(self.url, autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')

    # --- helpers -------------------------------------------------------------------------------

    def _bin(self, name):
        return os.path.join(self.bindir, name)

    @staticmethod
    def _os_user():
        if os.geteuid() != 0:
            return None
        try:
            return pwd.getpwnam("postgres")
        except KeyError:
            raise PostgresNotFound("running as root needs the postgres OS user (Debian's postgresql package "
                                   "creates it)") from None

    def _as_user(self):
        if self.user is None:
            return {}
        return {"user": self.user.pw_uid, "group": self.user.pw_gid, "extra_groups": [],
                "env": {"PATH": os.environ.get("PATH", "/usr/bin:/bin"), "LANG": "C.UTF-8",
                        "HOME": str(self.root)}}

    def _run(self, args):
        done = subprocess.run(args, capture_output=True, text=True, **self._as_user())
        if done.returncode != 0:
            raise RuntimeError(f"{Path(args[0]).name} failed ({done.returncode}): {done.stderr or done.stdout}")

    def _wait_ready(self):
        import psycopg

        deadline = time.monotonic() + START_TIMEOUT
        while True:
            if self.process.poll() is not None:
                raise RuntimeError(f"postgres exited with {self.process.returncode}: {self._log_tail()}")
            try:
                with psycopg.connect(self.url, connect_timeout=2) as conn:
                    conn.execute("SELECT 1")
                return
            except psycopg.OperationalError:
                if time.monotonic() > deadline:
                    self.stop()
                    raise RuntimeError(f"postgres did not start within {START_TIMEOUT}s") from None
                time.sleep(0.1)

    def _log_tail(self):
        try:
            return (self.root / "server.log").read_text(errors="replace")[-2000:]
        except OSError:
            return ""


def postmaster_pid(url):
    """The postmaster of the server at url when it runs on this machine (the parent of this
    connection's backend process, read from /proc while it lives), else None: whose CPU time
    tools.bench counts as the server's."""
    import psycopg

    with psycopg.connect(url, autocommit=True) as conn:
        backend = conn.execute("SELECT pg_backend_pid()").fetchone()[0]
        try:
            stat = Path(f"/proc/{backend}/stat").read_text()
        except OSError:  # another machine (or no /proc)
            return None
    if not stat.split(" (", 1)[1].startswith("postgres"):  # a pid of this machine's, not the server's
        return None
    return int(stat[stat.rindex(")") + 2:].split()[1])


@contextmanager
def temporary_server(tcp=False, settings=None):
    """Start a throw-away PostgreSQL server; yields the PostgresServer; stops and deletes it on exit."""
    server = PostgresServer(tcp=tcp, settings=settings)
    server.start()
    try:
        yield server
    finally:
        server.stop()


@contextmanager
def temporary_database(server=None, tcp=False):
    """A fresh database URL, on the given server or on a throw-away one of its own."""
    if server is None:
        with temporary_server(tcp=tcp) as own:
            yield own.create_database()
        return
    url = server.create_database()
    try:
        yield url
    finally:
        server.drop_database(url)


if __name__ == "__main__":
    with temporary_server(tcp=True) as srv:
        print(srv.create_database("gikportal"), flush=True)
        try:
            signal.pause()
        except KeyboardInterrupt:
            pass
