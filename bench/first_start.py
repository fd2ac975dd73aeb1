"""The first start, timed as a person meets it: `make run` in a fresh clone, with the packages
already installed, until the sign-in page answers, a demo account sees its home page, and the
demo's 100,000 disputes are complete; pages are loaded every few seconds meanwhile, to show
that the background load does not stall them. Then `jiefen rollups check` and
`jiefen warnings check`, and (with --again) a second `make run` on the same var/, which must
not load anything again.

    python bench/first_start.py [--source .] [--dir /tmp/first-start] [--port 8765]
                                [--disputes 100000] [--again]

The clone gets a virtual environment of its own before the clock starts ("the packages already
installed"): its site-packages path names this checkout's (the same installed packages), the
project's code is the clone's, so commit before measuring; its state goes to DIR/var
(JIEFEN_VAR). The machine's
load average is printed at the start and the end.
"""

from __future__ import annotations

import argparse
import http.cookiejar
import os
import re
import shutil
import signal
import statistics
import subprocess
import sys
import time
import urllib.error
import urllib.parse
import urllib.request
from pathlib import Path

BANNER = "示例数据正在生成"


def uptime() -> str:
    return subprocess.run(["uptime"], capture_output=True, text=True).stdout.strip()


class Browser:
    def __init__(self, base: str) -> None:
        self.base = base
        self.jar = http.cookiejar.CookieJar()
        self.opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(self.jar))

    def get(self, path: str, timeout: float = 30) -> tuple[int, str, float]:
        began = time.perf_counter()
        try:
            with self.opener.open(self.base + path, timeout=timeout) as answer:
                body = answer.read().decode("utf-8", "replace")
                return answer.status, body, time.perf_counter() - began
        except urllib.error.HTTPError as error:
            return error.code, "", time.perf_counter() - began

    def sign_in(self, username: str, password: str) -> tuple[int, str, float]:
        began = time.perf_counter()
        _status, page, _seconds = self.get("/login/")
        token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page)
        assert token, "no CSRF token on the sign-in page"
        data = urllib.parse.urlencode(
            {
                "csrfmiddlewaretoken": token.group(1),
                "username": username,
                "password": password,
                "next": "",
            }
        ).encode()
        request = urllib.request.Request(
            self.base + "/login/", data=data, headers={"Referer": self.base + "/login/"}
        )
        with self.opener.open(request, timeout=60) as answer:
            body = answer.read().decode("utf-8", "replace")
            return answer.status, body, time.perf_counter() - began


def wait_for(base: str, began: float, limit: float) -> float:
    browser = Browser(base)
    while time.monotonic() - began < limit:
        try:
            status, _body, _s = browser.get("/login/", timeout=5)
            if status == 200:
                return time.monotonic() - began
        except (urllib.error.URLError, ConnectionError, TimeoutError, OSError):
            pass
        time.sleep(0.25)
    raise SystemExit(f"the sign-in page did not answer within {limit:.0f} s")


def jiefen(directory: Path, env: dict[str, str], *args: str) -> str:
    found = subprocess.run(
        [str(directory / ".venv/bin/jiefen"), *args],
        cwd=directory,
        env=env,
        capture_output=True,
        text=True,
    )
    return (found.stdout + found.stderr).strip()


def start(directory: Path, env: dict[str, str], port: int, log: Path) -> subprocess.Popen:
    return subprocess.Popen(
        ["make", "run", f"PORT={port}"],
        cwd=directory,
        env=env,
        stdout=log.open("w"),
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )


def stop(process: subprocess.Popen) -> None:
    with_group = os.getpgid(process.pid)
    os.killpg(with_group, signal.SIGTERM)
    try:
        process.wait(timeout=30)
    except subprocess.TimeoutExpired:
        os.killpg(with_group, signal.SIGKILL)
        process.wait()


def _venv(directory: Path, source: Path) -> None:
    """A virtual environment for the clone with this checkout's packages and the clone's code
    (what `pip install -e .` gives, without the minutes of installing)."""
    venv = directory / ".venv"
    subprocess.run([sys.executable, "-m", "venv", "--without-pip", str(venv)], check=True)
    found = subprocess.run(
        [
            str(source / ".venv/bin/python"),
            "-c",
            "import sysconfig; print(sysconfig.get_path('purelib'))",
        ],
        capture_output=True,
        text=True,
        check=True,
    ).stdout.strip()
    mine = subprocess.run(
        [str(venv / "bin/python"), "-c", "import sysconfig; print(sysconfig.get_path('purelib'))"],
        capture_output=True,
        text=True,
        check=True,
    ).stdout.strip()
    Path(mine, "first-start.pth").write_text(f"{directory}\n{found}\n")
    python = venv / "bin/python"
    scripts = {
        "jiefen": "from jiefen.cli import main",
        "pybabel": "from babel.messages.frontend import main",
    }
    for name, line in scripts.items():
        script = venv / "bin" / name
        script.write_text(f"#!{python}\nimport sys\n{line}\nsys.exit(main())\n")
        script.chmod(0o755)
    (venv / "bin/.installed").touch()


def run(args: argparse.Namespace) -> None:
    source = Path(args.source).resolve()
    directory = Path(args.dir).resolve()
    if directory.exists():
        shutil.rmtree(directory)
    subprocess.run(["git", "clone", "--quiet", str(source), str(directory)], check=True)
    _venv(directory, source)
    env = dict(os.environ, JIEFEN_VAR=str(directory / "var"), PYTHONUNBUFFERED="1")
    if args.disputes != 100_000:
        # The Makefile's `jiefen demo --background` plans 100,000; a smaller plan for trials.
        makefile = directory / "Makefile"
        makefile.write_text(
            makefile.read_text().replace(
                "demo --background", f"demo --background --disputes {args.disputes}"
            )
        )
    base = f"http://127.0.0.1:{args.port}"
    print("load at start:", uptime())
    began = time.monotonic()
    process = start(directory, env, args.port, directory / "run.log")
    try:
        login = wait_for(base, began, 600)
        print(f"sign-in page 200 after {login:.1f} s")
        clerk = Browser(base)
        status, page, seconds = clerk.sign_in("clerk", "jiefen-demo")
        home = time.monotonic() - began
        print(
            f"clerk signed in and saw the home page ({status}, {seconds * 1000:.0f} ms) "
            f"after {home:.1f} s; banner shown: {BANNER in page}"
        )
        samples: list[float] = []
        errors = 0
        last_banner = ""
        pages = ["/", "/disputes/", "/metrics/"]
        while True:
            for path in pages:
                status, page, seconds = clerk.get(path, timeout=60)
                samples.append(seconds)
                if status != 200:
                    errors += 1
                found = re.search(BANNER + r"：已生成 ([\d,]+) / ([\d,]+)", page)
                if found:
                    last_banner = found.group(0)
            if not found and status == 200:
                break
            if len(samples) % 30 == 0:
                print(f"  {time.monotonic() - began:.0f} s: {last_banner}")
            time.sleep(3)
        complete = time.monotonic() - began
        print(f"demo complete after {complete:.1f} s (last banner: {last_banner})")
        samples.sort()
        print(
            f"pages during the load: {len(samples)}, errors {errors}, median "
            f"{statistics.median(samples) * 1000:.0f} ms, p95 "
            f"{samples[int(len(samples) * 0.95) - 1] * 1000:.0f} ms, "
            f"max {samples[-1] * 1000:.0f} ms"
        )
        print("load at the end:", uptime())
    finally:
        stop(process)
    print("rollups check:", jiefen(directory, env, "rollups", "check").splitlines()[-1])
    print("warnings check:", jiefen(directory, env, "warnings", "check").splitlines()[-1])
    if args.again:
        count = jiefen(directory, env, "shell", "--no-imports", "-c", _COUNT).splitlines()[-1]
        began = time.monotonic()
        process = start(directory, env, args.port, directory / "run-again.log")
        try:
            print(f"second make run: sign-in page 200 after {wait_for(base, began, 600):.1f} s")
            time.sleep(5)
        finally:
            stop(process)
        again = jiefen(directory, env, "shell", "--no-imports", "-c", _COUNT).splitlines()[-1]
        print(f"disputes before / after the second run: {count} / {again}")


_COUNT = "from jiefen.disputes.models import Dispute; print(Dispute.objects.count())"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--source", default=".")
    parser.add_argument("--dir", default="/tmp/first-start")
    parser.add_argument("--port", type=int, default=8765)
    parser.add_argument("--disputes", type=int, default=100_000)
    parser.add_argument("--again", action="store_true")
    run(parser.parse_args())


if __name__ == "__main__":
    sys.exit(main())
