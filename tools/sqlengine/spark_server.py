"""A Spark Connect server on loopback, started from the pyspark package (tests, benchmarks, development).

pyspark ships ``bin/spark-submit`` and the Connect server's jar; ``sbin/start-connect-server.sh`` daemonises
the same command. Here it runs in the foreground as a child process (its own process group), so it is
stopped by its id and never outlives the caller. A real cluster runs its own server (see docs/scale.md).
"""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

from shoplens.tools.sqlengine.base import UNAVAILABLE, EngineFailure
from shoplens.tools.sqlengine.spark_session import INSTALL_HINT

SERVER_CLASS = "org.apache.spark.sql.connect.service.SparkConnectServer"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


class LocalConnectServer:
    """``with LocalConnectServer() as url:`` -> ``sc://127.0.0.1:PORT``, a server on ``master`` until the block ends."""

    def __init__(self, *, port: int | None = None, master: str = "local[2]", log: Path | None = None,
                 start_timeout_s: float = 180.0, driver_memory: str = "1g") -> None:
        self.port = port or free_port()
        self.master, self.log, self.start_timeout_s, self.driver_memory = master, log, start_timeout_s, driver_memory
        self._proc: subprocess.Popen[bytes] | None = None

    @property
    def url(self) -> str:
        return f"sc://127.0.0.1:{self.port}"

    def command(self) -> list[str]:
        try:
            import pyspark
        except ImportError:
            raise EngineFailure(UNAVAILABLE, "Spark support is not installed.", hint=INSTALL_HINT) from None
        submit = Path(pyspark.__file__).parent / "bin" / "spark-submit"
        # UDF workers run this interpreter (and its packages) whether or not its venv is activated
        return ["env", f"PYSPARK_PYTHON={sys.executable}", str(submit), "--class", SERVER_CLASS, "--name", "shoplens-connect", "--master", self.master,
                "--driver-memory", self.driver_memory,
                "--conf", "spark.connect.grpc.binding.address=127.0.0.1",
                "--conf", f"spark.connect.grpc.binding.port={self.port}",
                "--conf", "spark.ui.enabled=false", "--conf", "spark.sql.shuffle.partitions=4",
                "--conf", "spark.sql.session.timeZone=UTC",
                "--conf", f"spark.pyspark.python={sys.executable}"]  # UDF workers: this interpreter and packages

    def start(self) -> str:
        out = open(self.log, "ab") if self.log else subprocess.DEVNULL  # noqa: SIM115 - the child keeps it
        self._proc = subprocess.Popen(self.command(), stdout=out, stderr=subprocess.STDOUT, start_new_session=True)
        deadline = time.monotonic() + self.start_timeout_s
        while time.monotonic() < deadline:
            if self._proc.poll() is not None:
                raise EngineFailure(UNAVAILABLE, "The local Spark Connect server stopped while starting.",
                                    hint="Spark needs Java 17 (JAVA_HOME); see the server log.")
            try:
                with socket.create_connection(("127.0.0.1", self.port), timeout=1):
                    return self.url
            except OSError:
                time.sleep(0.5)
        self.stop()
        raise EngineFailure(UNAVAILABLE, f"The local Spark Connect server did not start in {self.start_timeout_s:g} s.")

    def stop(self) -> None:
        proc, self._proc = self._proc, None
        if proc is None or proc.poll() is not None:
            return
        os.killpg(proc.pid, signal.SIGTERM)  # the server's own process group: spark-submit and its JVM
        try:
            proc.wait(timeout=30)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait(timeout=10)

    def __enter__(self) -> str:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()
