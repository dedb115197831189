"""The loopback load test in short: the real app under waitress answers a mixed load without one error."""
from tools import loadtest


def test_load_mix_has_no_errors():
    out = loadtest.run(reports=5, clients=4, seconds=3)
    rows = {row["kind"]: row for row in out["rows"]}
    assert out["errors"] == []
    assert out["hung_clients"] == 0
    for kind in loadtest.KINDS:
        assert rows[kind]["requests"] >= 1, kind
        assert rows[kind]["errors"] == 0, kind
    assert rows["all"]["requests"] == sum(rows[k]["requests"] for k in loadtest.KINDS)


def test_summary_counts_errors_and_percentiles():
    results = [("search", float(ms), None, "/search") for ms in range(1, 101)]
    results.append(("api", 5.0, "HTTP 500", "/api/search"))
    rows = {row["kind"]: row for row in loadtest.summarise(results, 10)}
    assert rows["search"]["errors"] == 0 and rows["api"]["errors"] == 1
    assert rows["all"]["requests"] == 101
    assert 49 <= rows["search"]["p50"] <= 51 and rows["search"]["p99"] >= 99
    assert "api" in loadtest.format_table(loadtest.summarise(results, 10))


def test_writes_under_load_lose_nothing_and_fail_no_reader():
    """Uploads through /admin/upload (form, CSRF, token) and an ingest in a second process while
    clients read: no request fails, and every report written is found by search afterwards."""
    out = loadtest.run(reports=5, clients=4, seconds=12, writes=True)
    assert out["errors"] == [] and out["hung_clients"] == 0
    assert out["write_errors"] == []
    rows = {row["kind"]: row for row in out["rows"]}
    assert rows["upload"]["requests"] >= 2 and rows["upload"]["errors"] == 0
    assert out["written"] >= loadtest.WRITE_BATCH + 2
    assert out["unsearchable"] == []


def test_slow_clients_do_not_stop_the_server_serving_others(tmp_path):
    """Twenty clients dribbling a request a byte at a time hold connections open; everyone else
    is still answered, and the dribblers get nothing until their request is whole."""
    import http.client
    import socket
    import threading

    cfg, _ = loadtest.build_corpus(tmp_path, 5)
    proc, port = loadtest.start_server(cfg, threads=4)
    stop = threading.Event()
    slow = [socket.create_connection(("127.0.0.1", port)) for _ in range(20)]

    def dribble(sock):
        request = "GET /search?q=%E6%94%BF%E5%BA%9C HTTP/1.1\r\nHost: x\r\n"
        for ch in request:
            if stop.wait(0.3):
                return
            sock.sendall(ch.encode())

    threads = [threading.Thread(target=dribble, args=(s,), daemon=True) for s in slow]
    try:
        for t in threads:
            t.start()
        answered = []
        for _ in range(10):           # more requests than the server has threads
            conn = http.client.HTTPConnection("127.0.0.1", port, timeout=loadtest.REQUEST_TIMEOUT)
            conn.request("GET", "/search?q=" + "%E6%94%BF%E5%BA%9C")
            answered.append(conn.getresponse().status)
            conn.close()
        assert answered == [200] * 10
        assert all(t.is_alive() for t in threads)      # the dribblers were still connected meanwhile
    finally:
        stop.set()
        for s in slow:
            s.close()
        loadtest.stop_server(proc)
