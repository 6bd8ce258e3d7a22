"""A fund statement as Excel and as PDF, in Chinese, with the same figures as the page."""

import io

from django.utils import timezone
from django.utils.translation import gettext as _

from mines.money import group


def _rows(account, data):
    for entry, running in data["lines"]:
        yield (
            timezone.localtime(entry.created_at).strftime("%Y-%m-%d %H:%M"),
            str(entry.get_kind_display()),
            entry.amount,
            running,
            entry.memo,
            str(entry.created_by or _("System")),
        )


def _headers():
    return [_("Date"), _("Kind"), _("Amount (yuan)"), _("Balance (yuan)"), _("Memo"), _("Recorded by")]


def statement_xlsx(account, data) -> bytes:
    from openpyxl import Workbook
    from openpyxl.styles import Alignment, Font

    book = Workbook()
    sheet = book.active
    sheet.title = str(_("Fund statement"))[:31]
    sheet.append([str(_("Restoration fund statement"))])
    sheet["A1"].font = Font(bold=True, size=14)
    sheet.append([str(_("Mine")), account.mine.name, str(_("Licence number")), account.mine.licence_no])
    sheet.append([str(_("Mining-rights holder")), account.mine.company.name])
    sheet.append([str(_("Printed")), timezone.localtime().strftime("%Y-%m-%d %H:%M")])
    sheet.append([])
    sheet.append([str(h) for h in _headers()])
    for cell in sheet[sheet.max_row]:
        cell.font = Font(bold=True)
    first = sheet.max_row + 1
    for row in _rows(account, data):
        sheet.append(list(row))
    for line in sheet.iter_rows(min_row=first, min_col=3, max_col=4):
        for cell in line:
            cell.number_format = "#,##0.00"
            cell.alignment = Alignment(horizontal="right")
    sheet.append([])
    sheet.append([str(_("Balance")), "", data["balance"]])
    sheet.cell(row=sheet.max_row, column=3).number_format = "#,##0.00"
    for kind, total in sorted(data["totals"].items()):
        from restoration.choices import FundEntryKind

        sheet.append([str(_("Total")), str(FundEntryKind(kind).label), total])
        sheet.cell(row=sheet.max_row, column=3).number_format = "#,##0.00"
    for column, width in zip("ABCDEF", (18, 16, 16, 16, 40, 14), strict=True):
        sheet.column_dimensions[column].width = width
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def statement_pdf(account, data) -> bytes:
    from reportlab.lib import colors
    from reportlab.lib.pagesizes import A4, landscape
    from reportlab.lib.styles import ParagraphStyle
    from reportlab.lib.units import mm
    from reportlab.pdfbase import pdfmetrics
    from reportlab.pdfbase.cidfonts import UnicodeCIDFont
    from reportlab.platypus import Paragraph, SimpleDocTemplate, Spacer, Table, TableStyle

    # A CID font every PDF reader has for Simplified Chinese: no font file needed.
    font = "STSong-Light"
    if font not in pdfmetrics.getRegisteredFontNames():
        pdfmetrics.registerFont(UnicodeCIDFont(font))
    title = ParagraphStyle("title", fontName=font, fontSize=16, leading=22)
    body = ParagraphStyle("body", fontName=font, fontSize=9, leading=13)
    out = io.BytesIO()
    doc = SimpleDocTemplate(
        out, pagesize=landscape(A4), leftMargin=15 * mm, rightMargin=15 * mm, title=str(_("Restoration fund statement"))
    )
    story = [
        Paragraph(str(_("Restoration fund statement")), title),
        Spacer(1, 4 * mm),
        Paragraph(f"{_('Mine')}：{account.mine.name}（{account.mine.licence_no}）", body),
        Paragraph(f"{_('Mining-rights holder')}：{account.mine.company.name}", body),
        Paragraph(f"{_('Printed')}：{timezone.localtime().strftime('%Y-%m-%d %H:%M')}", body),
        Spacer(1, 4 * mm),
    ]
    table = [[str(h) for h in _headers()]]
    for when, kind, amount, running, memo, who in _rows(account, data):
        table.append([when, kind, group(amount), group(running), Paragraph(memo, body), who])
    table.append(["", str(_("Balance")), "", group(data["balance"]), "", ""])
    grid = Table(table, colWidths=[32 * mm, 32 * mm, 32 * mm, 32 * mm, 105 * mm, 28 * mm], repeatRows=1)
    grid.setStyle(
        TableStyle(
            [
                ("FONTNAME", (0, 0), (-1, -1), font),
                ("FONTSIZE", (0, 0), (-1, -1), 9),
                ("BACKGROUND", (0, 0), (-1, 0), colors.HexColor("#eef2f0")),
                ("ALIGN", (2, 1), (3, -1), "RIGHT"),
                ("GRID", (0, 0), (-1, -1), 0.3, colors.HexColor("#b9c4c7")),
                ("VALIGN", (0, 0), (-1, -1), "TOP"),
            ]
        )
    )
    story.append(grid)
    doc.build(story)
    return out.getvalue()
