"""The sidebar: choosing and loading systems, running them at a pace, the week shown, fields.

Every control calls one :class:`~scoresim.dashboard.controller.Controller` command and then
asks the page to redraw; what it shows comes from the controller or its latest snapshot.
"""

from __future__ import annotations

from typing import Any

import solara

from scoresim.dashboard.controller import MAX_SYSTEMS, Controller
from scoresim.dashboard.fields import GROUPS, FieldSpec
from scoresim.dashboard.loading import MAX_FILE_BYTES
from scoresim.dashboard.slots import queue_message
from scoresim.dashboard.snapshot import Snapshot
from scoresim.dashboard.worker import PACES, Status

SMALL = {"font-size": "12px", "color": "#555"}


def slug(path: str) -> str:
    """A CSS class name for a field path (``policy.detect.critical`` -> ``policy-detect-critical``).

    Examples
    --------
    >>> slug("tiers.1.min_score")
    'tiers-1-min_score'
    """
    return path.replace(".", "-")


def pace_label(pace: float | None) -> str:
    """How the pace control names a pace.

    Examples
    --------
    >>> pace_label(1), pace_label(20), pace_label(None)
    ('1 week/s', '20 weeks/s', 'as fast as it runs')
    """
    if pace is None:
        return "as fast as it runs"
    return f"{pace:g} week/s" if pace == 1 else f"{pace:g} weeks/s"


@solara.component
def FieldInput(controller: Controller, spec: FieldSpec, version: int, on_change: Any) -> None:  # noqa: N802
    """One scenario field: a slider for a probability, else a text input; its error beside it."""
    error = controller.errors.get(spec.path)

    def on_value(value: Any) -> None:
        controller.set_field(spec.path, value)
        on_change()

    with solara.Div(classes=["field", f"field-{slug(spec.path)}"], style={"margin-bottom": "10px"}):
        if spec.kind == "probability":
            value = float(controller.value(spec.path))
            solara.Text(f"{spec.label}: {value:g}", classes=["slider-label"],
                        style={"font-size": "13px", "color": "#333"})  # fmt: skip
            solara.SliderFloat("", value=value, min=0.0, max=1.0, step=spec.slider_step,
                               on_value=on_value, thumb_label=False)  # fmt: skip
            if error:
                solara.Text(error, style={"color": "#c62828", "font-size": "12px"},
                            classes=["field-error"])  # fmt: skip
        else:
            solara.InputText(
                spec.label,
                value=controller.text(spec.path),
                on_value=on_value,
                error=error or False,
                message=spec.help or None,
                dense=True,
                classes=["field-error"] if error else [],
            )


@solara.component
def ScenarioPicker(controller: Controller, version: int, on_change: Any) -> None:  # noqa: N802
    """Choose the first system, upload a TOML file or load one by path; say what happened.

    ``version`` makes it redraw after every change (Solara skips a component whose arguments
    are unchanged, and the controller is the same object throughout).
    """

    def choose(name: str) -> None:
        controller.choose(name)
        on_change()

    def on_file(info: dict[str, Any]) -> None:
        controller.load_toml(info["file_obj"].read(MAX_FILE_BYTES + 1), info["name"])
        on_change()

    def by_path(text: str | None) -> None:
        if text and text.strip():
            controller.load_path(text)
            on_change()

    solara.Select("First system", values=controller.library(), value=controller.base_label,
                  on_value=choose, classes=["system-select"])  # fmt: skip
    solara.FileDrop(label="Drop a scenario .toml here (parsed, never run)", on_file=on_file)
    solara.InputText(
        "or a .toml path in that folder (Enter)",
        value="",
        on_value=by_path,
        message=f"folder: {controller.scenario_root}",
        dense=True,
        classes=["path-input"],
    )
    if controller.load_message:
        if controller.load_ok:
            solara.Success(controller.load_message, dense=True, classes=["load-ok"])
        else:
            solara.Error(controller.load_message, dense=True, classes=["load-error"])


@solara.component
def SystemsPicker(controller: Controller, version: int, on_change: Any) -> None:  # noqa: N802
    """Up to three more systems run beside the first, on the same society."""

    def choose(names: list[str]) -> None:
        controller.set_systems(list(names))
        on_change()

    others = [n for n in controller.library() if n != controller.base_label]
    solara.SelectMultiple(f"Also run (up to {MAX_SYSTEMS - 1})", values=list(controller.extras),
                          all_values=others, on_value=choose, dense=True,
                          classes=["systems-select"])  # fmt: skip
    solara.Text("All run on the first system's society (same agents, same seed), with the "
                "control: the same society unscored.", style=SMALL)  # fmt: skip
    if controller.systems_message:
        solara.Warning(controller.systems_message, dense=True, classes=["systems-message"])
    if "systems" in controller.errors:
        solara.Error(controller.errors["systems"], dense=True, classes=["systems-message"])


@solara.component
def RunControls(controller: Controller, snap: Snapshot, on_change: Any) -> None:  # noqa: N802
    """Run, pause, step and reset; the pace; the week shown; the step counter.

    A refusal (fix the fields, the horizon) shows until the next command; each gets a number of
    its own (class ``refusal-N``), so a repeated one is seen to be new. A run beyond the server's
    cap waits in line and says its place (class ``queue``); the counter of runs going is the
    server's at this redraw (a change of the slots or the line redraws every page).
    """
    (refusal, count), set_refusal = solara.use_state(("", 0))

    def act(command: Any) -> Any:
        def handler() -> None:
            why = command() or ""
            set_refusal(lambda old: (why, old[1] + 1) if why else ("", old[1]))
            on_change()

        return handler

    def pace(index: int) -> None:
        controller.set_pace(PACES[int(index)])
        on_change()

    def scrub(week: int) -> None:
        controller.scrub(int(week))
        on_change()

    running = snap.status in (Status.RUNNING, Status.STEPPING, Status.QUEUED)
    blocked = bool(controller.errors) or snap.status == Status.ERROR
    with solara.Row(gap="6px", style={"flex-wrap": "wrap"}):
        solara.Button("Run", icon_name="mdi-play", color="primary", on_click=act(controller.run),
                      disabled=running or blocked or snap.status == Status.DONE)  # fmt: skip
        solara.Button("Pause", icon_name="mdi-pause", on_click=act(controller.pause),
                      disabled=not running)  # fmt: skip
        solara.Button("Step", icon_name="mdi-step-forward", on_click=act(controller.step),
                      disabled=running or blocked or snap.status == Status.DONE)  # fmt: skip
        solara.Button("Reset", icon_name="mdi-restore", on_click=act(controller.reset))
    index = PACES.index(snap.pace) if snap.pace in PACES else len(PACES) - 1
    with solara.Div(classes=["pace"]):
        solara.Text(f"Pace: {pace_label(snap.pace)}", classes=["pace-label"], style=SMALL)
        solara.SliderInt("", value=index, min=0, max=len(PACES) - 1, on_value=pace,
                         thumb_label=False,
                         tick_labels=[f"{p:g}" if p else "max" for p in PACES])  # fmt: skip
    with solara.Div(classes=["scrubber"]):
        shown = f"Week shown: {snap.t}" + (f" (newest {snap.latest})" if snap.scrubbing else "")
        solara.Text(shown, classes=["scrub-label"], style=SMALL)
        solara.SliderInt("", value=snap.t, min=0, max=max(snap.latest, 1), on_value=scrub,
                         thumb_label=False, disabled=snap.latest == 0)  # fmt: skip
        if snap.scrubbing:
            solara.Button("Back to the newest week", text=True, classes=["live-button"],
                          on_click=act(lambda: controller.scrub(None)))  # fmt: skip
    rate = f" · {snap.steps_per_second:.1f} steps/s" if snap.steps_per_second > 0 else ""
    solara.Text(f"Step {snap.latest} / {snap.horizon} · {snap.status.value}{rate}",
                classes=["step-readout"], style={"font-weight": "bold"})  # fmt: skip
    waiting = f", {snap.waiting} waiting" if snap.waiting else ""
    solara.Text(f"Runs going on this server: {snap.runs_in_use} of {snap.max_runs}{waiting}",
                style=SMALL, classes=["runs-readout"])  # fmt: skip
    if snap.status == Status.QUEUED and snap.queue_position is not None:
        solara.Info(queue_message(snap.queue_position, snap.max_runs), dense=True,
                    classes=["queue"])  # fmt: skip
    if snap.pending:
        solara.Info("Changed parameters or systems apply at the next Reset.", dense=True)
    if snap.status == Status.ERROR:
        solara.Error(snap.message, dense=True, classes=["run-error"])
    elif refusal:
        solara.Warning(refusal, dense=True, classes=["refusal", f"refusal-{count}"])
    for message in controller.general_errors:
        if not message.startswith(tuple(controller.extras)):
            solara.Error(message, dense=True, classes=["field-error"])


@solara.component
def Downloads(controller: Controller, week: int) -> None:  # noqa: N802
    """The scenario as TOML, the metrics as CSV or Parquet, the view as an HTML handout (the
    files are made when clicked; ``week`` names the handout)."""
    name = controller.base_label.split(" ")[0]
    with solara.Row(gap="6px", style={"flex-wrap": "wrap"}):
        solara.FileDownload(lambda: controller.scenario_toml().encode(), f"{name}.toml",
                            label="Scenario TOML")  # fmt: skip
        solara.FileDownload(controller.metrics_csv, f"{name}-metrics.csv", label="Metrics CSV")
        solara.FileDownload(controller.metrics_parquet, f"{name}-metrics.parquet",
                            label="Metrics Parquet")  # fmt: skip
        solara.FileDownload(controller.snapshot_html, f"{name}-week-{week}.html",
                            label="View as HTML", mime_type="text/html")  # fmt: skip


@solara.component
def Sidebar(controller: Controller, snap: Snapshot, refresh: Any) -> None:  # noqa: N802
    """Everything in the sidebar, top to bottom (inputs redraw when an edit changed them)."""
    version = controller.edit_version
    intro = ("Scored societies, live, beside the same society unscored (the control, dashed "
             "grey). Synthetic citizens only.")  # fmt: skip
    solara.Text(intro, style={"font-size": "13px", "color": "#444"})
    with solara.Card("Scenario", margin=0):
        ScenarioPicker(controller, version, refresh)
    with solara.Card("Side by side", margin=0):
        SystemsPicker(controller, version, refresh)
    with solara.Card("Run", margin=0):
        RunControls(controller, snap, refresh)
    for group in GROUPS:
        specs = [s for s in controller.fields if s.group == group]
        has_error = any(s.path in controller.errors for s in specs)
        with (
            solara.Details(summary=group + (" (!)" if has_error else ""),
                           expand=group in ("Society and horizon", "Detection") or has_error),
            solara.Column(gap="2px"),
        ):  # fmt: skip
            for spec in specs:
                FieldInput(controller, spec, version, refresh)
    with solara.Card("Download", margin=0):
        Downloads(controller, snap.t)
    solara.Text("Runs on Solara.", style={"font-size": "11px", "color": "#888"})
