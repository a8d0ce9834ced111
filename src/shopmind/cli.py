"""The `shopmind` command: a thin layer that parses, calls the library and reports.

Exit codes: 0 success, 2 wrong usage, 3 invalid input data (nothing written), 4 store
unavailable, 5 configuration error, 6 unknown id, 7 dataset missing, 1 anything unexpected.
"""

from __future__ import annotations

import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any, cast

import typer
from rich.console import Console
from rich.progress import (
    BarColumn,
    MofNCompleteColumn,
    Progress,
    SpinnerColumn,
    TaskID,
    TextColumn,
    TimeElapsedColumn,
)
from rich.table import Table as RichTable

from shopmind import __version__
from shopmind.config import Settings
from shopmind.data.importer import ImportReport, import_sources
from shopmind.data.io import ExtraColumns, Source
from shopmind.data.mapping import load_mapping, sources_from_paths, sources_from_sql
from shopmind.data.schema import IMPORT_ORDER
from shopmind.data.store import Mode, Store
from shopmind.errors import DataError, ShopmindError

if TYPE_CHECKING:
    from shopmind.api.server import LogLevel
    from shopmind.engine import Engine, SnapshotInfo

__all__ = ["app", "main"]

app = typer.Typer(
    name="shopmind",
    help="shopmind: the shop's own AI. Import the shop's data, train the engines, serve the API.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)
LOG_LEVELS = ("debug", "info", "warning", "error")
console = Console(stderr=False, soft_wrap=True)
errors = Console(stderr=True, soft_wrap=True)


def _settings() -> Settings:
    return Settings()


def _progress() -> Progress:
    return Progress(
        SpinnerColumn(),
        TextColumn("[bold]{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
        console=errors,
        transient=True,
        disable=not errors.is_terminal,
    )


@contextmanager
def _steps(title: str) -> Iterator[Callable[[str], None]]:
    """A spinner that names each step of a longer job as it starts."""
    with Progress(
        SpinnerColumn(),
        TextColumn("[bold]{task.description}"),
        TimeElapsedColumn(),
        console=errors,
        disable=not errors.is_terminal,
    ) as progress:
        task = progress.add_task(title, total=None)

        def step(name: str) -> None:
            progress.update(task, description=f"{title}: {name}")

        yield step
        progress.update(task, description=f"{title}: done")


def _import(store: Store, sources: list[Source], mode: Mode) -> ImportReport:
    with _progress() as progress:
        tasks: dict[str, TaskID] = {}

        def on_rows(table: str, done: int, total: int) -> None:
            if table not in tasks:
                tasks[table] = progress.add_task(f"writing {table}", total=total)
            progress.update(tasks[table], completed=done)

        validating = progress.add_task("reading and validating", total=None)
        report = import_sources(store, sources, mode=mode, progress=on_rows)
        progress.update(validating, total=1, completed=1)
    return report


def _print_report(report: ImportReport, store: Store) -> None:
    table = RichTable(
        title=f"Imported into {store.display_url} ({report.mode}, {report.seconds:.1f} s)"
    )
    table.add_column("table")
    table.add_column("rows imported", justify="right")
    table.add_column("rows in store", justify="right")
    for name in IMPORT_ORDER:
        if name in report.rows or report.counts.get(name):
            table.add_row(name, f"{report.rows.get(name, 0):,}", f"{report.counts.get(name, 0):,}")
    console.print(table)


@app.command()
def sample(
    out: Annotated[
        Path | None, typer.Option(help="Folder to write to [default: DATA_DIR/sample]")
    ] = None,
    seed: Annotated[int, typer.Option(help="Same seed, same shop.")] = 42,
    customers: Annotated[int, typer.Option(min=10, help="Number of customers.")] = 3000,
    products: Annotated[int, typer.Option(min=10, help="Number of products.")] = 1200,
    days: Annotated[int, typer.Option(min=30, help="Days of history.")] = 730,
) -> None:
    """Generate the sample shop (CSV files plus the planted ground truth under truth/)."""
    from shopmind.data import sample as sample_shop

    folder = out or _settings().data_dir / "sample"
    with _steps("generating the sample shop") as step:
        shop = sample_shop.generate(
            seed, n_customers=customers, n_products=products, days=days, progress=step
        )
        step("writing files")
        paths = sample_shop.write(shop, folder)
    summary = RichTable(title=f"Sample shop (seed {seed}) in {folder}")
    summary.add_column("table")
    summary.add_column("rows", justify="right")
    for name, frame in shop.tables.items():
        summary.add_row(name, f"{len(frame):,}")
    console.print(summary)
    console.print(f"{len(paths)} files written. Import them with: shopmind import {folder}")


@app.command("import")
def import_(
    paths: Annotated[
        list[Path] | None,
        typer.Argument(
            help="Files named after tables (orders.csv, products.parquet) or folders of them."
        ),
    ] = None,
    table: Annotated[
        str | None, typer.Option(help="The table a single file holds, when its name does not say.")
    ] = None,
    mapping: Annotated[
        Path | None,
        typer.Option(help="TOML file mapping tables and columns to the export's names."),
    ] = None,
    column: Annotated[
        list[str] | None,
        typer.Option(
            "--map",
            help="COLUMN=HEADER: read a column from a differently named header (with one table).",
        ),
    ] = None,
    sql: Annotated[
        str | None, typer.Option(help="Import from this database URL instead of files.")
    ] = None,
    dataset: Annotated[
        str | None, typer.Option(help="Import a public dataset by name (see SHOPMIND_DATASETS).")
    ] = None,
    mode: Annotated[
        str,
        typer.Option(
            help="upsert: replace rows with the same key; append: "
            "new rows only; replace: empty each table first."
        ),
    ] = "upsert",
    encoding: Annotated[str, typer.Option(help="Text encoding of CSV files.")] = "utf-8",
    sep: Annotated[
        str | None, typer.Option(help="CSV separator [default: , or tab for .tsv]")
    ] = None,
    ignore_extra: Annotated[
        bool, typer.Option(help="Drop columns the schema does not know instead of failing.")
    ] = False,
) -> None:
    """Import shop data into the store. All or nothing: on any problem nothing is written."""
    if mode not in ("upsert", "append", "replace"):
        raise typer.BadParameter("must be upsert, append or replace", param_hint="--mode")
    chosen = [bool(paths), sql is not None, dataset is not None]
    if sum(chosen) != 1:
        raise typer.BadParameter(
            "give files or folders, or --sql URL, or --dataset NAME (exactly one)"
        )
    extra: ExtraColumns = "ignore" if ignore_extra else "error"
    maps = load_mapping(mapping) if mapping else None
    settings = _settings()
    store = Store(settings.store_url)
    try:
        if dataset is not None:
            from shopmind.data.datasets import DATASETS, TABLE_DATASETS

            if dataset not in TABLE_DATASETS:
                raise typer.BadParameter(
                    f"{dataset!r} is not a dataset of shop tables; choose one of "
                    f"{', '.join(sorted(TABLE_DATASETS))}",
                    param_hint="--dataset",
                )
            loaded = DATASETS[dataset]()
            assert isinstance(loaded, dict)
            sources = [
                Source(name, frame, name=f"{dataset}:{name}", extra=extra)
                for name, frame in loaded.items()
            ]
        else:
            if sql is not None:
                sources = sources_from_sql(sql, mapping=maps, extra=extra)
            else:
                sources = sources_from_paths(
                    paths or [], mapping=maps, table=table, encoding=encoding, sep=sep, extra=extra
                )
            if column:
                sources = _with_columns(sources, column)
        _print_report(_import(store, sources, cast(Mode, mode)), store)
    finally:
        store.close()


def _with_columns(sources: list[Source], pairs: list[str]) -> list[Source]:
    if len(sources) != 1:
        raise typer.BadParameter("--map works with one table; use --mapping FILE for several")
    columns: dict[str, str] = {}
    for pair in pairs:
        canonical, sep, header = pair.partition("=")
        if not sep or not canonical or not header:
            raise typer.BadParameter(f"{pair!r} is not COLUMN=HEADER", param_hint="--map")
        columns[canonical.strip()] = header.strip()
    from dataclasses import replace

    return [replace(sources[0], columns={**sources[0].columns, **columns})]


@app.command()
def status() -> None:
    """What the store holds: rows per table and the schema version."""
    settings = _settings()
    store = Store(settings.store_url)
    try:
        counts = store.counts()
        console.print(f"store: {store.display_url}", soft_wrap=True, highlight=False)
        console.print(f"schema version {store.schema_version}", highlight=False)
        table = RichTable()
        table.add_column("table")
        table.add_column("rows", justify="right")
        for name in IMPORT_ORDER:
            table.add_row(name, f"{counts[name]:,}")
        console.print(table)
    finally:
        store.close()


@app.command()
def train(
    engines: Annotated[
        list[str] | None,
        typer.Argument(
            help="Engines to train [default: all]: recommend, marketing, forecast, inventory, "
            "pricing, assistant"
        ),
    ] = None,
    where: Annotated[
        str | None,
        typer.Option(
            "--engine",
            help="Where the heavy steps run: local (this process) or spark (Apache Spark at "
            "SHOPMIND_SPARK_MASTER) [default: SHOPMIND_TRAIN_ENGINE, else local]",
        ),
    ] = None,
    parquet: Annotated[
        str | None,
        typer.Option(
            help="With --engine spark: read the shop from this folder of <table>.parquet "
            "instead of the store; on a cluster a URI every executor can read (hdfs://..., "
            "s3a://...)."
        ),
    ] = None,
) -> None:
    """Train the engines on a snapshot of the store and save them as a new artifact version."""
    from shopmind import engine
    from shopmind.data.snapshot import Shop

    settings = _settings()
    _check_engines(engines)
    kind = where or settings.train_engine
    if kind not in ("local", "spark"):
        raise typer.BadParameter(f"must be local or spark, not {kind!r}", param_hint="--engine")
    if parquet is not None and kind != "spark":
        raise typer.BadParameter("a Parquet source needs --engine spark", param_hint="--parquet")
    store = Store(settings.store_url)
    try:
        if kind == "spark":
            fitted, info, version = _train_on_spark(settings, store, engines, parquet)
        else:
            with _steps("training") as step:
                step("loading the snapshot")
                shop = Shop.from_store(store)
                fitted = engine.train(shop, engines, progress=lambda n: step(f"fitting {n}"))
                step("saving artifacts")
                info = engine.SnapshotInfo.of(shop)
                version = engine.save(fitted, info, settings.artifacts_dir)
    finally:
        store.close()
    console.print(
        f"Trained {', '.join(fitted)} on {info.n_customers:,} customers and "
        f"{info.n_products:,} products; artifact version {version} in "
        f"{settings.artifacts_dir}"
    )


def _train_on_spark(
    settings: Settings, store: Store, engines: list[str] | None, parquet: str | None
) -> tuple[dict[str, Engine], SnapshotInfo, str]:
    """Train on Spark from the store (or a Parquet folder); batch tables go to
    artifacts/batch/. Returns the engines, the snapshot's numbers and the version."""
    from shopmind import engine
    from shopmind.spark.session import spark_session
    from shopmind.spark.train import train as spark_train

    with _steps(f"training on Spark ({settings.spark_master})") as step:
        step("starting Spark")
        spark = spark_session(settings)
        try:
            fitted, info = spark_train(
                spark,
                parquet if parquet is not None else store,
                engines,
                progress=lambda n: step(f"fitting {n}"),
                output=settings.artifacts_dir / "batch",
                jdbc_url=settings.spark_jdbc_url,
            )
        finally:
            spark.stop()
        step("saving artifacts")
        version = engine.save(fitted, info, settings.artifacts_dir)
    return fitted, info, version


@app.command()
def evaluate(
    engine_name: Annotated[
        str,
        typer.Argument(
            metavar="ENGINE",
            help="recommend, marketing, forecast, inventory, pricing or assistant",
        ),
    ],
    split: Annotated[
        str,
        typer.Option(
            help="recommend: temporal (the last 28 days are the test), random-user (75/25 per "
            "customer), stratified-item (75/25 per product) or leave-last-n (each customer's "
            "last n). The other engines hold out the newest periods (and half the campaigns)."
        ),
    ] = "temporal",
    k: Annotated[int, typer.Option(min=1, max=100, help="Cut-off of the ranking metrics.")] = 10,
    model: Annotated[
        list[str] | None,
        typer.Option(help="Models to compare [default: all]; repeat the option for several."),
    ] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON instead of a table.")] = False,
) -> None:
    """Measure an engine's offline quality on a hold-out of the store's own data, next to
    simple baselines."""
    import json

    from shopmind.recommend.evaluation import SPLITS

    _check_engines([engine_name])
    if split not in SPLITS:
        raise typer.BadParameter(f"must be one of {', '.join(SPLITS)}", param_hint="--split")
    results, saved = _evaluate(engine_name, split, k, model)
    if as_json:  # stdout stays pure JSON: the note goes to stderr
        console.print_json(json.dumps(results))
        errors.print(f"saved to {saved}", highlight=False)
        return
    if engine_name == "marketing":
        _print_marketing_evaluation(results)
    else:
        _print_evaluation(engine_name, results)
    console.print(f"saved to {saved} (the dashboard shows it)", highlight=False)


def _evaluate(
    engine_name: str, split: str = "temporal", k: int = 10, models: list[str] | None = None
) -> tuple[dict[str, Any], Path]:
    """Evaluate one engine on the store's snapshot and store the results for the dashboard."""
    from shopmind import engine
    from shopmind.artifacts import Artifacts
    from shopmind.data.snapshot import Shop

    settings = _settings()
    store = Store(settings.store_url)
    try:
        with _steps(f"evaluating {engine_name}") as step:
            step("loading the snapshot")
            shop = Shop.from_store(store)
            step(f"fitting and scoring on a {split} split")
            evaluator: Any = engine.ENGINES[engine_name]()  # options differ per engine
            results: dict[str, Any] = evaluator.evaluate(shop, split=split, k=k, models=models)
    finally:
        store.close()
    artifacts = Artifacts(settings.artifacts_dir)
    return results, artifacts.save_evaluation(engine_name, artifacts.current(), results)


def _print_evaluation(engine_name: str, results: dict[str, object]) -> None:
    if not any(isinstance(value, dict) for value in results.values()):
        table = RichTable(title=f"{engine_name} evaluation")
        table.add_column("measure")
        table.add_column("value", justify="right")
        for key, value in results.items():
            table.add_row(key.replace("_", " "), str(value))
        console.print(table)
        return
    title = ", ".join(
        f"{key} {value}" for key, value in results.items() if not isinstance(value, dict)
    )
    for section in ("models", "ratings"):
        systems = results.get(section)
        if not isinstance(systems, dict) or not systems:
            continue
        table = RichTable(title=f"{engine_name} {section}: {title}")
        table.add_column("model")
        metrics = list(next(iter(systems.values())))
        for metric in metrics:
            table.add_column(metric, justify="right")
        for name, values in systems.items():
            table.add_row(name, *(f"{values[m]:.4f}" for m in metrics))
        console.print(table)


def _print_marketing_evaluation(results: dict[str, Any]) -> None:
    horizon = results["horizon_days"]
    table = RichTable(title=f"marketing propensities: the last {horizon} days held out")
    metrics = ["auc", "lift@10%", "brier", "base_rate"]
    table.add_column("target")
    for metric in metrics:
        table.add_column(metric, justify="right")
    for target in ("purchase", "churn"):
        row = results[target]
        if "error" in row:
            table.add_row(target, row["error"])
            continue
        table.add_row(target, *("-" if row.get(m) is None else f"{row[m]:.4f}" for m in metrics))
    console.print(table)
    uplift = results["uplift"]
    if "error" in uplift:
        console.print(f"uplift: {uplift['error']}", highlight=False)
        return
    design = "randomised" if uplift["randomized"] else "NOT randomised: propensity-weighted"
    table = RichTable(
        title=f"marketing uplift: half of {uplift['examples']:,} campaign contacts held out "
        f"({design})"
    )
    table.add_column("model")
    table.add_column("qini_auc", justify="right")
    table.add_column("uplift@30", justify="right")
    for name, row in uplift.items():
        if isinstance(row, dict):
            table.add_row(name, f"{row['qini_auc']:.4f}", f"{row['uplift@30']:.4f}")
    console.print(table)


def _check_engines(names: list[str] | None) -> None:
    from shopmind.engine import ENGINES

    unknown = [n for n in names or [] if n not in ENGINES]
    if unknown:
        raise typer.BadParameter(
            f"unknown engine {', '.join(unknown)}; engines: {', '.join(ENGINES)}"
        )


@app.command()
def campaign(
    cost_per_contact: Annotated[float, typer.Option(min=0, help="What one contact costs.")],
    discount: Annotated[
        float, typer.Option(min=0, max=0.99, help="The coupon, as a share of the order value.")
    ],
    margin: Annotated[float, typer.Option(min=0.01, max=1, help="Gross margin on revenue.")],
    budget: Annotated[
        float | None, typer.Option(min=0, help="Money for contacts plus expected coupons.")
    ] = None,
    max_contacts: Annotated[int | None, typer.Option(min=0, help="At most this many.")] = None,
    redemption: Annotated[
        float, typer.Option(min=0, max=1, help="Share of treated buyers who use the coupon.")
    ] = 1.0,
    segment: Annotated[
        list[str] | None, typer.Option(help="Only customers of this RFM segment; repeatable.")
    ] = None,
    out: Annotated[
        Path | None, typer.Option(help="Write the contact list to this CSV file.")
    ] = None,
) -> None:
    """Plan a campaign with the trained models: whom to contact, ranked by expected incremental
    profit within the budget, with a product to feature for each."""
    from shopmind.artifacts import Artifacts
    from shopmind.marketing.campaign import Offer

    try:
        offer = Offer(cost_per_contact, discount, margin, redemption)
    except ValueError as error:
        raise typer.BadParameter(str(error)) from None
    loaded = Artifacts(_settings().artifacts_dir).load()
    if "marketing" not in loaded.models:
        raise typer.BadParameter("no trained marketing model: run `shopmind train marketing`")
    with _steps("planning") as step:
        step("ranking customers by expected incremental profit")
        plan = loaded.models["marketing"].plan(
            offer,
            budget=budget,
            max_contacts=max_contacts,
            segments=segment,
            recommender=loaded.models.get("recommend"),
        )
    summary = plan.summary()
    table = RichTable(title=f"campaign plan (model version {loaded.version})")
    table.add_column("measure")
    table.add_column("value", justify="right")
    for key, value in summary.items():
        table.add_row(key.replace("_", " "), str(value))
    console.print(table)
    if out is not None:
        plan.to_csv(out)
        console.print(f"{len(plan.contacts):,} contacts written to {out}")


@app.command()
def chat(
    customer: Annotated[
        str | None,
        typer.Option(help="Chat as this signed-in customer [default: a visitor]."),
    ] = None,
    conversation: Annotated[
        str | None, typer.Option(help="Continue this conversation id [default: a new one].")
    ] = None,
    details: Annotated[
        bool, typer.Option("--details/--no-details", help="Show intent, confidence and sources.")
    ] = True,
) -> None:
    """Talk to the shop's assistant in the terminal, with the trained models and the live store.
    An empty line, /quit or Ctrl-D ends the chat."""
    import uuid

    from shopmind.artifacts import Artifacts
    from shopmind.assistant.replies import Replies
    from shopmind.assistant.repository import StoreConversations, StoreShop, StoreTickets

    settings = _settings()
    loaded = Artifacts(settings.artifacts_dir).load()
    if "assistant" not in loaded.models:
        raise typer.BadParameter("no trained assistant: run `shopmind train assistant`")
    replies = Replies.from_file(settings.assistant_replies) if settings.assistant_replies else None
    store = Store(settings.store_url)
    conversation_id = conversation or f"cli-{uuid.uuid4().hex[:12]}"
    assistant = loaded.models["assistant"].assistant(
        StoreShop(store),
        StoreTickets(store),
        StoreConversations(store),
        recommender=loaded.models.get("recommend"),
        replies=replies,
    )
    who = f"customer {customer}" if customer else "a visitor"
    console.print(f"Conversation {conversation_id} as {who}. An empty line ends it.", style="dim")
    try:
        while True:
            try:
                text = console.input("[bold]you>[/bold] ")
            except EOFError:
                break
            if not text.strip() or text.strip() == "/quit":
                break
            answer = assistant.reply(conversation_id, text, customer_id=customer)
            console.print(f"[bold green]assistant>[/bold green] {answer.text}", highlight=False)
            if details:
                sources = ", ".join(f"{s['type']} {s['id']}" for s in answer.sources) or "none"
                console.print(
                    f"  intent {answer.intent} ({answer.confidence:.2f}), sources: {sources}"
                    + (f", ticket #{answer.ticket_id}" if answer.ticket_id else ""),
                    style="dim",
                    highlight=False,
                )
    finally:
        store.close()


@app.command()
def reorder(
    service_level: Annotated[
        float, typer.Option(min=0.5, max=0.999, help="Target cycle service level.")
    ] = 0.95,
    review_days: Annotated[float, typer.Option(min=0, help="Days until the next list.")] = 7.0,
    out: Annotated[Path | None, typer.Option(help="Write the list to this CSV file.")] = None,
) -> None:
    """What to order today: products whose stock falls below their reorder point, with
    quantities and reasons, from the trained forecast and inventory models."""
    from shopmind.artifacts import Artifacts

    loaded = Artifacts(_settings().artifacts_dir).load()
    missing = [n for n in ("forecast", "inventory") if n not in loaded.models]
    if missing:
        raise typer.BadParameter(
            f"no trained {' or '.join(missing)} model: run `shopmind train forecast inventory`"
        )
    with _steps("reorder list") as step:
        step("lead-time demand from the quantile forecasts")
        table = loaded.models["inventory"].reorder(
            loaded.models["forecast"], service_level=service_level, review_days=review_days
        )
    shown = RichTable(title=f"{len(table):,} products to order (model version {loaded.version})")
    for column in ("product_id", "location", "inventory_position", "reorder_point"):
        shown.add_column(column.replace("_", " "), justify="left" if column[0] in "pl" else "right")
    shown.add_column("order", justify="right")
    for row in table.head(20).itertuples(index=False):
        shown.add_row(
            str(row.product_id),
            str(row.location),
            f"{row.inventory_position:,.0f}",
            f"{row.reorder_point:,.1f}",
            f"{row.order_quantity:,.0f}",
        )
    console.print(shown)
    if out is not None:
        table.to_csv(out, index=False)
        console.print(f"{len(table):,} rows written to {out}")


@app.command()
def bench(
    study: Annotated[str | None, typer.Argument(help="The study to run; see --list.")] = None,
    list_studies: Annotated[bool, typer.Option("--list", help="List the studies.")] = False,
) -> None:
    """Run a benchmark study: shopmind and its peers on the same data, results in
    benchmarks/results/STUDY.json and the README's table."""
    from shopmind import bench as benchmarks

    studies = benchmarks.studies()
    if list_studies or study is None:
        for name, path in studies.items():
            console.print(f"{name}\t{path}")
        return
    if study not in studies:
        raise typer.BadParameter(f"unknown study; studies: {', '.join(studies)}")
    with _steps(f"running {study}") as step:
        step("shopmind and its peers (this takes minutes)")
        path = benchmarks.run(study)
    console.print(f"results written to {path}")


@app.command()
def serve(
    host: Annotated[
        str | None, typer.Option(help="Address to listen on [default: 127.0.0.1]")
    ] = None,
    port: Annotated[int | None, typer.Option(help="Port [default: 8000]")] = None,
    workers: Annotated[
        int,
        typer.Option(
            min=1,
            max=64,
            help="Worker processes, e.g. one per core; each loads the models (memory times "
            "N) and keeps its own rate-limit counts.",
        ),
    ] = 1,
    log_level: Annotated[
        str,
        typer.Option(help="debug, info (one access line a request), warning or error."),
    ] = "info",
) -> None:
    """Serve the HTTP API (OpenAPI docs at /docs)."""
    if log_level not in LOG_LEVELS:
        raise typer.BadParameter(
            f"must be one of {', '.join(LOG_LEVELS)}", param_hint="--log-level"
        )
    _serve(_settings(), host, port, workers, cast("LogLevel", log_level))


def _serve(
    settings: Settings,
    host: str | None,
    port: int | None,
    workers: int = 1,
    log_level: LogLevel = "info",
) -> None:
    from shopmind.api.server import serve as run

    address = host or settings.host
    number = port or settings.port
    console.print(
        f"shopmind {__version__} serving on http://{address}:{number}\n"
        f"  dashboard: [bold]http://{address}:{number}/dashboard[/bold]\n"
        f"  API docs:  http://{address}:{number}/docs",
        highlight=False,
    )
    run(settings, address, number, workers=workers, log_level=log_level)


@app.command()
def demo(
    serve_api: Annotated[
        bool, typer.Option("--serve/--no-serve", help="Serve the API after the pipeline.")
    ] = True,
    seed: Annotated[int, typer.Option(help="Seed of the sample shop.")] = 42,
    customers: Annotated[int, typer.Option(min=10, help="Customers in the sample shop.")] = 3000,
    products: Annotated[int, typer.Option(min=10, help="Products in the sample shop.")] = 1200,
    port: Annotated[int | None, typer.Option(help="Port [default: 8000]")] = None,
    measure: Annotated[
        bool,
        typer.Option(
            "--evaluate/--no-evaluate",
            help="Measure recommendations, forecasts and the stock policy on a hold-out for "
            "the dashboard's quality and sales-lift figures (about a minute).",
        ),
    ] = True,
) -> None:
    """The whole pipeline on the sample shop: generate, import, train, evaluate, serve."""
    from shopmind.api.auth import new_key
    from shopmind.data import sample as sample_shop

    settings = _settings()
    folder = settings.data_dir / "sample"
    with _steps("generating the sample shop") as step:
        shop = sample_shop.generate(seed, n_customers=customers, n_products=products, progress=step)
        step("writing files")
        sample_shop.write(shop, folder)
    store = Store(settings.store_url)
    try:
        report = _import(store, sources_from_paths([folder]), "replace")
        _print_report(report, store)
        _print_shop_summary(store)
    finally:
        store.close()
    train(None)
    if measure:
        _demo_evaluations()
    if not serve_api:
        return
    if not settings.api_key_entries():
        key = new_key()
        settings = settings.model_copy(update={"api_keys": f"admin:{key}"})
        console.print(f"No API keys configured; this demo's admin key is [bold]{key}[/bold]")
    _serve(settings, None, port)


def _demo_evaluations() -> None:
    """The served recommender against best-sellers, the forecasts against seasonal naive and
    the stock policy against the textbook one: the figures the dashboard's overview and
    sales-lift page show."""
    from shopmind.engine import DASHBOARD_EVALUATIONS
    from shopmind.quality import gain

    measured_results = {
        name: _evaluate(name, models=options.get("models"))[0]
        for name, options in DASHBOARD_EVALUATIONS.items()
    }
    for name in ("recommend", "forecast"):
        measured = gain(name, measured_results[name])
        if measured is None:
            console.print(f"{name}: no gain over its baseline measured")
            continue
        what = (
            f"ranking quality ({measured.metric}) against best-sellers"
            if name == "recommend"
            else f"forecast accuracy ({measured.metric.upper()}) against seasonal naive"
        )
        interval = (
            ""
            if measured.low is None or measured.level is None
            else f", {measured.level:.0%} interval {measured.low:+.1f}% to {measured.high:+.1f}%"
        )
        console.print(f"{name}: {measured.percent:+.1f}% {what}{interval}", highlight=False)
    results = measured_results["inventory"]
    saving = results.get("saving")
    if isinstance(saving, dict):
        console.print(
            f"inventory: {saving['per_30_days']:+,.2f} saved per 30 days against the textbook "
            f"policy in a {results['days']}-day backtest, {saving['level']:.0%} interval "
            f"{saving['low']:+,.2f} to {saving['high']:+,.2f}",
            highlight=False,
        )


privacy = typer.Typer(
    help="What the shop holds about a customer: export it, erase it, enforce retention.",
    no_args_is_help=True,
)
app.add_typer(privacy, name="privacy")


@privacy.command("export")
def privacy_export(
    customer_id: Annotated[str, typer.Argument(help="The shop's customer id.")],
    output: Annotated[
        Path | None, typer.Option("--output", "-o", help="Write the JSON here [default: stdout].")
    ] = None,
) -> None:
    """Every row about a customer in every table, and what the trained models hold about
    them, as JSON."""
    import json

    from shopmind.privacy import export_customer

    settings = _settings()
    store = Store(settings.store_url, create=False)
    try:
        exported = export_customer(store, customer_id, _served_models(settings))
    finally:
        store.close()
    text = json.dumps(exported, indent=2, ensure_ascii=False, default=str)
    if output is None:
        typer.echo(text)
        return
    output.write_text(text + "\n")
    console.print(f"exported {sum(map(len, exported['tables'].values()))} rows to {output}")


def _served_models(settings: Settings) -> dict[str, object]:
    from shopmind.artifacts import Artifacts
    from shopmind.errors import ArtifactError

    try:
        return Artifacts(settings.artifacts_dir).load().models
    except ArtifactError:
        return {}


@privacy.command("erase")
def privacy_erase(
    customer_id: Annotated[str, typer.Argument(help="The shop's customer id.")],
    yes: Annotated[bool, typer.Option("--yes", "-y", help="Do not ask for confirmation.")] = False,
) -> None:
    """Delete a customer from the store (one transaction) and from every trained artifact,
    without a retrain. A running service drops them within a second."""
    from shopmind.artifacts import Artifacts
    from shopmind.privacy import erase_customer

    if not yes:
        typer.confirm(f"Erase customer {customer_id} everywhere? This cannot be undone", abort=True)
    settings = _settings()
    store = Store(settings.store_url, create=False)
    try:
        erasure = erase_customer(store, customer_id, Artifacts(settings.artifacts_dir))
    finally:
        store.close()
    rows = ", ".join(f"{n} {table}" for table, n in erasure.rows.items() if n) or "no rows"
    console.print(
        f"erased: {rows} deleted; forgotten in {len(erasure.versions)} artifact version(s)"
        + (f" and {erasure.batch_rows} batch rows" if erasure.batch_rows else ""),
        highlight=False,
    )


@privacy.command("retain")
def privacy_retain(
    events_days: Annotated[
        int | None,
        typer.Option(
            min=1, help="Keep events this many days [default: SHOPMIND_RETENTION_EVENTS_DAYS]."
        ),
    ] = None,
    conversations_days: Annotated[
        int | None,
        typer.Option(
            min=1,
            help="Keep conversations and resolved tickets this many days after their last "
            "change [default: SHOPMIND_RETENTION_CONVERSATIONS_DAYS].",
        ),
    ] = None,
) -> None:
    """Delete raw events and conversations older than the retention period; schedule it
    (e.g. nightly from cron)."""
    from shopmind.privacy import enforce_retention

    settings = _settings()
    events_days = events_days or settings.retention_events_days
    conversations_days = conversations_days or settings.retention_conversations_days
    if events_days is None and conversations_days is None:
        raise typer.BadParameter(
            "no retention period set: pass --events-days/--conversations-days or set "
            "SHOPMIND_RETENTION_EVENTS_DAYS / SHOPMIND_RETENTION_CONVERSATIONS_DAYS"
        )
    store = Store(settings.store_url, create=False)
    try:
        done = enforce_retention(
            store, events_days=events_days, conversations_days=conversations_days
        )
    finally:
        store.close()
    console.print(
        f"deleted {done.events:,} events, {done.conversations:,} conversations and "
        f"{done.tickets:,} resolved tickets past retention",
        highlight=False,
    )


def _print_shop_summary(store: Store) -> None:
    orders = store.read("orders", ["order_id", "ordered_at", "status"])
    lines = store.read("order_lines", ["quantity", "unit_price", "discount"])
    revenue = float((lines.quantity * lines.unit_price - lines.discount).sum())
    table = RichTable(title="The shop at a glance")
    table.add_column("measure")
    table.add_column("value", justify="right")
    if len(orders):
        table.add_row("orders from", f"{orders.ordered_at.min():%Y-%m-%d}")
        table.add_row("orders to", f"{orders.ordered_at.max():%Y-%m-%d}")
    table.add_row("revenue", f"{revenue:,.2f}")
    table.add_row("average order value", f"{revenue / max(len(orders), 1):,.2f}")
    for status_name, n in orders.status.value_counts().items():
        table.add_row(f"orders {status_name}", f"{n:,}")
    console.print(table)


def main() -> None:
    """Entry point: expected errors become a message and an exit code, not a traceback."""
    from shopmind.privacy import install_log_masking

    install_log_masking()
    try:
        app(standalone_mode=False)
    except ShopmindError as exc:
        _print_error(exc)
        sys.exit(exc.exit_code)
    except typer.Abort:
        errors.print("aborted")
        sys.exit(1)
    except typer.Exit as exc:
        sys.exit(exc.exit_code)
    except typer.TyperException as exc:  # usage errors: they print themselves, exit code 2
        show = getattr(exc, "show", None)
        if callable(show):
            show()
        sys.exit(int(getattr(exc, "exit_code", 2)))


def _print_error(exc: ShopmindError) -> None:
    if isinstance(exc, DataError):
        count = len(exc.issues) + exc.more
        errors.print(
            f"[red]error:[/red] {count} problem{'s' if count != 1 else ''} in the "
            "input; nothing was written:",
            highlight=False,
        )
        for issue in exc.issues:
            errors.print(f"  {issue}", highlight=False, markup=False)
        if exc.more:
            errors.print(f"  ... and {exc.more} more", highlight=False)
    else:
        errors.print(f"[red]error:[/red] {exc}", highlight=False)
