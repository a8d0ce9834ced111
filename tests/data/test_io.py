"""Reading and validating one table: every error names its file, row and column."""

from __future__ import annotations

import gzip
from pathlib import Path

import pandas as pd
import pytest

from shopmind.data.io import MAX_ISSUES, Source, read_source, table_for_file, validate_frame
from shopmind.errors import DataError, Issue


def issues_of(source: Source) -> list[Issue]:
    with pytest.raises(DataError) as caught:
        read_source(source)
    return caught.value.issues


def write(path: Path, text: str, encoding: str = "utf-8") -> Path:
    path.write_bytes(text.encode(encoding))
    return path


def test_valid_csv_gets_canonical_types(tmp_path: Path) -> None:
    path = write(
        tmp_path / "orders.csv",
        "order_id,customer_id,ordered_at,status\n"
        "o1,c1,2024-03-01T10:00:00+02:00,Delivered\n"
        "o2,c2,2024-03-02,\n",
    )
    frame = read_source(Source("orders", path))
    assert list(frame.columns) == [
        "order_id",
        "customer_id",
        "ordered_at",
        "status",
        "channel",
        "location",
        "shipped_at",
        "delivered_at",
        "tracking_number",
    ]
    # Offsets are converted to UTC; naive times are taken as UTC.
    assert frame.ordered_at.tolist() == [
        pd.Timestamp("2024-03-01 08:00"),
        pd.Timestamp("2024-03-02"),
    ]
    assert frame.status.tolist() == ["delivered", "placed"]  # normalised, default filled
    assert frame.location.tolist() == ["main", "main"]
    assert str(frame.order_id.dtype) == "string"


def test_missing_required_columns_are_named(tmp_path: Path) -> None:
    path = write(tmp_path / "order_lines.csv", "order_id,product_id,quantity\no1,p1,1\n")
    [issue] = issues_of(Source("order_lines", path))
    assert issue.source == "order_lines.csv"
    assert issue.row is None
    assert "missing required columns: unit_price" in issue.message


def test_extra_columns_fail_unless_ignored(tmp_path: Path) -> None:
    path = write(tmp_path / "faqs.csv", "faq_id,question,answer,colour\nf1,Q?,A.,red\n")
    [issue] = issues_of(Source("faqs", path))
    assert "unexpected columns: colour" in issue.message
    frame = read_source(Source("faqs", path, extra="ignore"))
    assert "colour" not in frame.columns
    assert frame.language.tolist() == ["en"]


@pytest.mark.parametrize(
    ("column", "value", "expected"),
    [
        ("quantity", "two", "'two' is not a number"),
        ("quantity", "-1", "'-1' is negative"),
        ("unit_price", "-0.5", "'-0.5' is negative"),
        ("unit_price", "inf", "'inf' is not a number"),
        ("discount", "1,5", "'1,5' is not a number"),
    ],
)
def test_bad_numbers_name_row_and_column(
    tmp_path: Path, column: str, value: str, expected: str
) -> None:
    row = {
        "order_id": "o2",
        "product_id": "p1",
        "quantity": "1",
        "unit_price": "2.5",
        "discount": "0",
    }
    row[column] = value
    text = (
        "order_id,product_id,quantity,unit_price,discount\no1,p1,1,2.5,0\n"
        + ",".join(f'"{v}"' for v in row.values())
        + "\n"
    )
    path = write(tmp_path / "order_lines.csv", text)
    [issue] = issues_of(Source("order_lines", path))
    assert (issue.source, issue.row, issue.column) == ("order_lines.csv", 2, column)
    assert expected in issue.message


def test_unparseable_dates(tmp_path: Path) -> None:
    path = write(
        tmp_path / "orders.csv",
        "order_id,customer_id,ordered_at\no1,c1,2024-02-30\no2,c1,yesterday\n"
        "o3,c1,2024-02-28 23:59\n",
    )
    found = issues_of(Source("orders", path))
    assert [(i.row, i.column) for i in found] == [(1, "ordered_at"), (2, "ordered_at")]
    assert "'2024-02-30' is not a date" in found[0].message


def test_bad_booleans_json_and_choices(tmp_path: Path) -> None:
    frame = pd.DataFrame(
        {
            "campaign_id": ["c", "c"],
            "customer_id": ["1", "2"],
            "treatment": ["a", "control"],
            "converted": ["yes", "perhaps"],
        }
    )
    with pytest.raises(DataError, match=r"row 2, column 'converted': 'perhaps' is not true/false"):
        validate_frame("campaigns", frame, source="campaigns.csv")
    products = pd.DataFrame({"product_id": ["p"], "title": ["t"], "attributes": ["[1, 2]"]})
    with pytest.raises(DataError, match="is not a JSON object"):
        validate_frame("products", products)
    events = pd.DataFrame({"customer_id": ["c"], "ts": ["2024-01-01"], "type": ["teleport"]})
    with pytest.raises(DataError, match="'teleport' is not one of view, click"):
        validate_frame("events", events)


def test_required_values_and_any_of() -> None:
    events = pd.DataFrame(
        {
            "customer_id": [None, "c"],
            "session_id": [None, None],
            "ts": ["2024-01-01", ""],
            "type": ["view", "view"],
        }
    )
    with pytest.raises(DataError) as caught:
        validate_frame("events", events, source="events.csv")
    described = {(i.row, i.column) for i in caught.value.issues}
    assert described == {(2, "ts"), (1, None)}


def test_duplicate_keys_point_at_the_first_row() -> None:
    lines = pd.DataFrame(
        {
            "order_id": ["o1", "o1", "o2", "o1"],
            "product_id": ["p1", "p2", "p1", "p1"],
            "quantity": [1, 1, 1, 1],
            "unit_price": [1, 1, 1, 1],
        }
    )
    with pytest.raises(DataError) as caught:
        validate_frame("order_lines", lines, source="order_lines.csv")
    [issue] = caught.value.issues
    assert issue.row == 4
    assert "duplicate key (order_id='o1', product_id='p1'); first seen at row 1" in issue.message


@pytest.mark.parametrize("text", ["", "   \n", "faq_id,question,answer\n"])
def test_empty_files(tmp_path: Path, text: str) -> None:
    path = write(tmp_path / "faqs.csv", text)
    [issue] = issues_of(Source("faqs", path))
    assert "empty" in issue.message or "no data rows" in issue.message


def test_wrong_encoding_names_the_line_and_a_fix(tmp_path: Path) -> None:
    path = write(
        tmp_path / "products.csv",
        "product_id,title\np1,Caf\u00e9 au lait\np2,Cr\u00eape\n",
        encoding="latin-1",
    )
    [issue] = issues_of(Source("products", path))
    assert "not valid utf-8 text at line 2 (byte 0xe9)" in issue.message
    assert "--encoding" in issue.message
    frame = read_source(Source("products", path, encoding="latin-1"))
    assert frame.title.tolist() == ["Café au lait", "Crêpe"]


def test_byte_order_mark_gzip_and_tabs(tmp_path: Path) -> None:
    path = write(tmp_path / "faqs.csv", "\ufefffaq_id,question,answer\nf1,Q?,A.\n")
    assert read_source(Source("faqs", path)).faq_id.tolist() == ["f1"]
    zipped = tmp_path / "faqs.tsv.gz"
    zipped.write_bytes(gzip.compress(b"faq_id\tquestion\tanswer\nf1\tQ, really?\tA.\n"))
    assert read_source(Source("faqs", zipped)).question.tolist() == ["Q, really?"]


def test_parquet_round_trip_and_type_errors(tmp_path: Path) -> None:
    good = pd.DataFrame(
        {"product_id": ["p1", "p2"], "on_hand": [3, 0], "lead_time_days": [2.5, None]}
    )
    good.to_parquet(tmp_path / "inventory.parquet")
    frame = read_source(Source("inventory", tmp_path / "inventory.parquet"))
    assert frame.on_hand.tolist() == [3.0, 0.0]
    assert frame.on_order.tolist() == [0.0, 0.0]
    bad = good.assign(on_hand=["3", "lots"])
    bad.to_parquet(tmp_path / "bad.parquet")
    [issue] = issues_of(Source("inventory", tmp_path / "bad.parquet"))
    assert (issue.row, issue.column) == (2, "on_hand")
    corrupt = write(tmp_path / "broken.parquet", "not parquet at all")
    assert "not a readable Parquet file" in issues_of(Source("inventory", corrupt))[0].message


def test_unknown_files_and_types(tmp_path: Path) -> None:
    assert "file not found" in issues_of(Source("faqs", tmp_path / "nope.csv"))[0].message
    odd = write(tmp_path / "faqs.xlsx", "x")
    assert "unsupported file type '.xlsx'" in issues_of(Source("faqs", odd))[0].message


def test_column_mapping(tmp_path: Path) -> None:
    path = write(tmp_path / "catalogue.csv", "SKU,Name,Price\nA-1,Boot,10\n")
    frame = read_source(
        Source("products", path, columns={"product_id": "SKU", "title": "Name", "price": "Price"})
    )
    assert frame[["product_id", "title", "price"]].values.tolist() == [["A-1", "Boot", 10.0]]
    found = issues_of(Source("products", path, columns={"product_id": "Sku", "colour": "Name"}))
    messages = " ".join(i.message for i in found)
    assert "'colour', which is not a column of products" in messages
    assert "'Sku', which is not in the file" in messages


def test_problems_are_capped_and_counted() -> None:
    n = MAX_ISSUES + 7
    frame = pd.DataFrame(
        {"faq_id": [str(i) for i in range(n)], "question": ["q"] * n, "answer": [""] * n}
    )
    with pytest.raises(DataError) as caught:
        validate_frame("faqs", frame)
    assert len(caught.value.issues) == MAX_ISSUES
    assert caught.value.more == 7
    assert "and 7 more problems" in str(caught.value)


def test_table_for_file() -> None:
    assert table_for_file(Path("x/orders.csv")) == "orders"
    assert table_for_file(Path("Order_Lines.PARQUET")) == "order_lines"
    assert table_for_file(Path("events.csv.gz")) == "events"
    assert table_for_file(Path("orders_2024.csv")) is None
