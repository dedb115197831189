"""Development tools, outside the runtime package: the report generator (ground truth for the
accuracy tests and the benchmark), the benchmark, the loopback load test and a throw-away
PostgreSQL server. Each runs as `python -m tools.NAME`; the portal never imports them."""
