"""The Python engine: papermill writes a job's parameters into its notebook, an IPython shell in this process executes
it (NotebookShell), and templates/page.html.j2 makes the page. The fastest way to many reports; the Quarto engine
(reports/quarto_engine.py) executes the same way and converts with Quarto instead."""

from __future__ import annotations

import logging
import os
import time
from functools import cache
from pathlib import Path

from trendbreuk import io, paths
from trendbreuk.reports.jobs import RenderError, ReportJob

log = logging.getLogger(__name__)


class NotebookShell:
    """Executes notebooks in this process, cell by cell, in an IPython shell: the interpreter that runs inside a
    Jupyter kernel, with the same display() machinery, so each cell's rich outputs (HTML, images, text) are kept
    as a kernel would keep them. A batch worker keeps one shell for all its reports: between notebooks its
    namespace is reset, while imported modules and what they read once (configuration, processed tables) stay.

    Running in-process saves a kernel start and the messaging of megabytes of output per report; the notebooks
    stay the documents, and Quarto executes the same ones in its own Jupyter kernel."""

    def __init__(self):
        from IPython.core.interactiveshell import InteractiveShell

        if InteractiveShell.initialized() and type(InteractiveShell.instance()) is InteractiveShell:
            # a bare shell that a library made outside any session (ipywidgets' Output does, to format its
            # display data): not a Jupyter or IPython session, so the report shell may take its place
            InteractiveShell.clear_instance()
        if InteractiveShell.initialized() and not isinstance(InteractiveShell.instance(), _ReportShell):
            raise RenderError(
                "the Python engine cannot render inside a running IPython or Jupyter session; run "
                "`trendbreuk render ...` in a terminal (or `!trendbreuk render ...` in the notebook)"
            )
        self.shell = _report_shell_class().instance()

    def execute(self, notebook, *, root: Path, name: str):
        """Run every code cell of `notebook` (an nbformat node) and put its outputs into it; while the cells run,
        the working folder and the project (paths.working_root) are `root`. Raises CellFailed on the first error."""
        import nbformat

        shell = self.shell
        # %reset without its garbage collection (0.1 s a report): forget the last notebook's names
        for variable in [n for n in shell.user_ns if n not in shell.user_ns_hidden]:
            del shell.user_ns[variable]
        saved_dir = os.getcwd()
        os.chdir(root)
        try:
            for number, cell in enumerate(notebook.cells, start=1):
                if cell.cell_type != "code":
                    continue
                shell.collected.clear()
                from IPython.utils.capture import capture_output

                with capture_output(display=False) as streams, paths.working_root(root):
                    result = shell.run_cell(cell.source, store_history=False)
                outputs = []
                for stream, text in (("stdout", streams.stdout), ("stderr", streams.stderr)):
                    if text:
                        outputs.append(nbformat.v4.new_output("stream", name=stream, text=text))
                for kind, data, metadata in shell.collected:
                    outputs.append(nbformat.v4.new_output(kind, data=data, metadata=metadata or {}))
                cell.outputs = outputs
                error = result.error_before_exec or result.error_in_exec
                if error is not None:
                    raise CellFailed(f"cell {number} of {name} failed: {type(error).__name__}: {error}") from error
        finally:
            os.chdir(saved_dir)
        return notebook


class CellFailed(RuntimeError):
    """A notebook cell raised; the message names the cell, the notebook and the error."""


@cache
def _report_shell_class():
    """An IPython shell that collects display() and a cell's last value as notebook outputs instead of printing
    them (IPython's own extension points: a display publisher and a display hook). Made once per process."""
    from IPython.core.displayhook import DisplayHook
    from IPython.core.displaypub import DisplayPublisher
    from IPython.core.interactiveshell import InteractiveShell
    from traitlets import Type

    class Publisher(DisplayPublisher):
        def publish(self, data, metadata=None, source=None, *, transient=None, update=False, **kwargs):
            self.shell.collected.append(("display_data", data, metadata))

        def clear_output(self, wait=False):
            self.shell.collected.clear()

    class Results(DisplayHook):
        def write_output_prompt(self):
            pass

        def write_format_data(self, format_dict, md_dict=None):
            self.shell.collected.append(("execute_result", format_dict, md_dict))

        def finish_displayhook(self):
            pass

    class ReportShell(_ReportShell, InteractiveShell):
        display_pub_class = Type(Publisher)
        displayhook_class = Type(Results)

        def __init__(self, **kwargs):
            self.collected = []
            super().__init__(**kwargs)

        def init_history(self):  # no history database for executed reports
            from IPython.core.history import HistoryManager

            self.history_manager = HistoryManager(shell=self, parent=self, enabled=False)

    return ReportShell


class _ReportShell:
    """Marks the shell of NotebookShell (see _report_shell_class)."""


def _parameterised(source: Path, parameters: dict):
    from papermill.iorw import load_notebook_node
    from papermill.parameterize import parameterize_notebook

    return parameterize_notebook(load_notebook_node(str(source)), dict(parameters))


@cache
def shell() -> NotebookShell:
    """This process's NotebookShell: one per process (a batch worker makes it when it starts)."""
    return NotebookShell()


def execute_report(job: ReportJob, root: Path, timings: dict | None = None):
    """The job's notebook with its parameters, executed in this process's NotebookShell (an nbformat node with
    every cell's outputs). `timings`, when given, receives seconds per step."""
    timings = {} if timings is None else timings
    source = root / job.notebook
    if not source.is_file():
        raise RenderError(f"{job.filename}: notebook {source} not found")
    started = time.perf_counter()
    notebook = _parameterised(source, job.parameters)
    executor = shell()
    timings["parameters"] = time.perf_counter() - started
    started = time.perf_counter()
    try:
        return executor.execute(notebook, root=root, name=job.notebook)
    except CellFailed as err:
        raise RenderError(f"{job.filename}: {err}") from err
    finally:
        timings["execute"] = time.perf_counter() - started


def render_python(job: ReportJob, root: Path, out_path: Path, timings: dict | None = None) -> None:
    """Execute the notebook with the job's parameters in this process and write HTML (templates/page.html.j2).
    `timings`, when given, receives seconds per step."""
    timings = {} if timings is None else timings
    notebook = execute_report(job, root, timings)
    started = time.perf_counter()
    write_python_html(job, notebook, out_path)
    timings["html"] = time.perf_counter() - started


def write_python_html(job: ReportJob, notebook, out_path: Path) -> None:
    """The executed notebook as one HTML page (templates/page.html.j2): markdown cells as text, code cells by
    their outputs only, as a report shows them. Text on stderr (warnings) goes to the log, not into the report."""
    from trendbreuk.reports.page import html_document

    for cell in notebook.cells:
        for output in cell.get("outputs", []):
            if output.get("name") == "stderr":
                log.warning("%s: %s", job.filename, output.get("text", "").strip()[:500])
    io.write_text_atomic(out_path, html_document(job.title, notebook_html(notebook)))


def notebook_html(notebook) -> str:
    """The body of a report from an executed notebook: what nbconvert's basic template without inputs shows,
    without its second pass over the whole page (a BeautifulSoup parse that cost half of a factsheet's render)."""
    import base64

    import mistune
    from markupsafe import Markup

    markdown = mistune.create_markdown(escape=False, plugins=["table"])
    parts = []
    for cell in notebook.cells:
        if cell.cell_type == "markdown":
            parts.append(f'<div class="tb-text">{markdown(cell.source)}</div>')
            continue
        if cell.cell_type != "code":
            continue
        for output in cell.get("outputs", []):
            kind = output.get("output_type")
            if kind == "stream":
                if output.get("name") == "stdout":
                    parts.append(str(Markup("<pre>{}</pre>").format(output.get("text", ""))))
                continue
            data = output.get("data", {})
            if "text/html" in data:
                parts.append(output_text(data["text/html"]))
            elif "text/markdown" in data:
                parts.append(markdown(output_text(data["text/markdown"])))
            elif "image/svg+xml" in data:
                parts.append(output_text(data["image/svg+xml"]))
            elif "image/png" in data:
                alt = output_text(data.get("text/plain", "")) or "afbeelding"
                png = data["image/png"]
                png = png if isinstance(png, str) else base64.b64encode(png).decode("ascii")
                parts.append(str(Markup('<img src="data:image/png;base64,{}" alt="{}">').format(png, alt)))
            elif "text/plain" in data:
                parts.append(str(Markup("<pre>{}</pre>").format(output_text(data["text/plain"]))))
    return "\n".join(parts)


def output_text(value) -> str:
    return "".join(value) if isinstance(value, list) else str(value)
