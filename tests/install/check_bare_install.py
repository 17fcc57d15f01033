"""The install a user does, checked end to end (`make install-check`, part of `make test`).

Builds a wheel of the repository (`pip wheel --no-deps`), checks that it holds every file of the
packages (modules, tokenizer, prompts, data), installs it with no extras into a fresh venv in a
temporary folder outside the checkout, and from there, on the offline defaults and an empty
DOSSIER_HOME, runs what a new user runs first: `dossier --help`, an import of every core module
(each from the venv), an ingest of an HTML page, a PDF and a text file, `search`, `ask`, and the
commands that need an extra (they must name it, not crash).

    python -m tests.install.check_bare_install [--repo PATH] [--keep]   # from the checkout's root

pip resolves the wheel's dependencies against the package index as `pip install` does
(`pip download`), into a wheelhouse kept in the user cache folder, and installs from those files
without compiling bytecode (Python compiles what it imports): on a network whose answers pip
cannot cache, a second run does not download ~250 MB again.
Exit status 0 when every step passed; else 1, with the failing step's command and output.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
import zipfile
from collections.abc import Callable, Sequence
from pathlib import Path

from tests.fixtures.make_pdf_fixtures import text_pdf  # pure Python, no pypdf

HERE = Path(__file__).resolve().parent
REPO = HERE.parents[1]
FIXTURES = REPO / "tests" / "fixtures"
PACKAGES = ("assistant", "ingest", "prompts")
INPUTS = ("BKE_8-K_2024-11-22.html", "alibaba-ai-investment-2025.txt")  # and a small PDF, made here
QUESTION = "How much is Alibaba investing in AI and cloud infrastructure?"
# Settings that would make the run anything but the offline defaults of a new user.
FOREIGN_ENV = ("PYTHONPATH", "PYTHONHOME", "VIRTUAL_ENV", "OPENAI_BASE_URL", "OPENAI_API_KEY")


class CheckFailed(Exception):
    """A step of the check failed; the message says which and why."""


def wheelhouse() -> Path:
    cache = Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache")
    return cache / "dossier-install-check" / "wheels"


def package_files(source: Path) -> set[str]:
    """Every file of the packages in the source (modules and data), as wheel member names."""
    files = set()
    for package in PACKAGES:
        for path in (source / package).rglob("*"):
            if path.is_file():
                files.add(path.relative_to(source).as_posix())
    return files


def copy_source(repo: Path, to: Path) -> Path:
    """The files a commit of the checkout would hold (tracked, and new files git does not
    ignore), copied to `to`: the build sees what a clone gets, and leaves no build/ behind."""
    listed = run(["git", "ls-files", "--cached", "--others", "--exclude-standard", "-z"], cwd=repo)
    for name in filter(None, listed.split("\0")):
        if (repo / name).is_file():  # a file deleted but not yet committed is listed too
            (to / name).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(repo / name, to / name)
    return to


def check_wheel(wheel: Path, source: Path) -> str:
    with zipfile.ZipFile(wheel) as archive:
        members = set(archive.namelist())
    missing = sorted(package_files(source) - members)
    if missing:
        raise CheckFailed(f"the wheel {wheel.name} lacks {len(missing)} file(s) of the packages: "
                          + ", ".join(missing[:20]) + " (add them to [tool.setuptools.package-data])")
    return f"all {len(package_files(source))} files of the packages"


def clean_env(work: Path) -> dict[str, str]:
    env = {key: value for key, value in os.environ.items()
           if key not in FOREIGN_ENV and not key.startswith("DOSSIER_")}
    env.update(DOSSIER_HOME=str(work / "home"), DOSSIER_CACHE_DIR=str(work / "cache"))
    return env


def run(command: Sequence[str | Path], *, cwd: Path, env: dict[str, str] | None = None,
        expect: int = 0) -> str:
    """Run `command`; its stdout, or CheckFailed with its output when the exit status differs."""
    shown = " ".join(str(part) for part in command)
    done = subprocess.run([str(part) for part in command], cwd=cwd, env=env, capture_output=True,
                          text=True, stdin=subprocess.DEVNULL)
    if done.returncode != expect:
        output = (done.stdout + done.stderr).strip().splitlines()
        raise CheckFailed(f"`{shown}` exited with {done.returncode} (expected {expect}):\n"
                          + "\n".join(output[-30:]))
    return done.stdout + done.stderr if expect else done.stdout


def require(condition: bool, what: str) -> None:
    if not condition:
        raise CheckFailed(what)


Step = tuple[str, Callable[[], str]]


class BareInstall:
    """The check's steps, each a method returning a one-line result. They run in order and share
    the work folder: the wheel `build` makes is what `install` puts into the fresh venv, whose
    `dossier` the later steps run, from a folder of their own, on the offline defaults."""

    wheel: Path  # set by build()

    def __init__(self, work: Path, repo: Path) -> None:
        self.work, self.repo = work, repo
        self.venv, self.dist, self.cwd = work / "venv", work / "dist", work / "run"
        self.python = self.venv / "bin" / "python"
        self.env = clean_env(work)
        self.cwd.mkdir(parents=True)

    def dossier(self, *args: str | Path, expect: int = 0) -> str:
        return run([self.venv / "bin" / "dossier", *args], cwd=self.cwd, env=self.env, expect=expect)

    def build(self) -> str:
        source = copy_source(self.repo, self.work / "src")
        run([sys.executable, "-m", "pip", "wheel", "--quiet", "--no-deps", "-w", self.dist, source],
            cwd=self.work)
        self.wheel = next(self.dist.glob("dossier-*.whl"))
        return self.wheel.name

    def wheel_files(self) -> str:
        return check_wheel(self.wheel, self.work / "src")

    def install(self) -> str:
        run([sys.executable, "-m", "venv", self.venv], cwd=self.work)
        house = wheelhouse()
        run([self.python, "-m", "pip", "download", "--quiet", "-d", house, self.wheel], cwd=self.work)
        for stale in house.glob("dossier-*.whl"):  # the wheel under test is installed by path
            stale.unlink()
        run([self.python, "-m", "pip", "install", "--quiet", "--no-compile", "--no-index",
             "--find-links", house, self.wheel], cwd=self.work)
        return f"no extras, dependencies through {house}"

    def help_text(self) -> str:
        out = self.dossier("--help")
        require(all(cmd in out for cmd in ("ingest", "search", "ask")), f"--help lacks commands:\n{out}")
        return "lists ingest, search, ask"

    def imports(self) -> str:
        return run([self.python, HERE / "import_core.py"], cwd=self.cwd,
                   env=self.env).strip().splitlines()[-1]

    def ingest(self) -> str:
        pdf = self.work / "two-pages.pdf"
        pdf.write_bytes(text_pdf(["Dossier install check, page one.", "Net sales rose on page two."]))
        inputs = [*(FIXTURES / name for name in INPUTS), pdf]
        out = self.dossier("ingest", *inputs)
        require(f"{len(inputs)} added" in out, f"expected {len(inputs)} documents added:\n{out}")
        return out.strip().splitlines()[-1]

    def search(self) -> str:
        hits = json.loads(self.dossier("search", "net sales", "--k", "3", "--json"))
        require(len(hits) == 3, f"search returned {len(hits)} passages, expected 3")
        sources = sorted({Path(hit["source"]).name for hit in hits})
        return f"{len(hits)} passages, from {', '.join(sources)}"

    def ask(self) -> str:
        answer = json.loads(self.dossier("ask", QUESTION, "--json"))
        require(answer["mode"] == "extractive", f"expected the offline answerer, got {answer['mode']}")
        require(not answer["cannot_answer"] and answer["citations"],
                f"expected a cited answer from the ingested article, got: {answer['answer']}")
        return f"{len(answer['citations'])} citation(s), offline (extractive)"

    def extras_named(self) -> str:
        """What needs an extra says which one, as an error and not a traceback."""
        eval_set = FIXTURES / "eval" / "simple.jsonl"
        out = self.dossier("eval", eval_set, "--docs", FIXTURES, "--baseline", expect=2)
        require("bench" in out and "Traceback" not in out, f"eval --baseline without the extra:\n{out}")
        out = run([self.python, "-m", "assistant.answer.local_llm"], cwd=self.cwd, env=self.env,
                  expect=1)
        require("local-llm" in out and "Traceback" not in out, f"local_llm without the extra:\n{out}")
        out = self.dossier("mcp", expect=2)
        require("dossier[mcp]" in out and "Traceback" not in out, f"mcp without the extra:\n{out}")
        return "eval --baseline names [bench], local_llm [local-llm], mcp [mcp]"


def steps(work: Path, repo: Path) -> list[Step]:
    """The check's steps in order, each a name and a function returning a one-line result."""
    check = BareInstall(work, repo)
    return [("build the wheel", check.build), ("its files", check.wheel_files),
            ("install it in a fresh venv", check.install), ("dossier --help", check.help_text),
            ("import every core module", check.imports),
            ("dossier ingest (HTML, PDF, text)", check.ingest), ("dossier search", check.search),
            ("dossier ask", check.ask), ("extras", check.extras_named)]


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--repo", type=Path, default=REPO, help="the checkout to build (default: this one)")
    parser.add_argument("--keep", action="store_true", help="keep the temporary folder")
    args = parser.parse_args(argv)
    repo = args.repo.resolve()
    work = Path(tempfile.mkdtemp(prefix="dossier-bare-install-"))
    if work.resolve().is_relative_to(repo):
        raise SystemExit(f"the temporary folder {work} is inside the checkout; set TMPDIR elsewhere")
    print(f"bare install of {repo} in {work}", flush=True)
    started = time.perf_counter()
    try:
        for name, step in steps(work, repo):
            step_started = time.perf_counter()
            try:
                result = step()
            except CheckFailed as exc:
                print(f"  FAILED  {name}: {exc}", flush=True)
                return 1
            print(f"  ok  {name:<34} {time.perf_counter() - step_started:6.1f} s  {result}", flush=True)
        print(f"bare install: every step passed in {time.perf_counter() - started:.0f} s", flush=True)
        return 0
    finally:
        if not args.keep:
            shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
