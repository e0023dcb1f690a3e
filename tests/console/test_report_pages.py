"""The funnel and the evaluation's tables as pages: suppressed figures, SVG charts, the live
refresh, filters with Danish messages, and CSV files identical to the API's."""

from __future__ import annotations

import re

from tests.console.support import Console


def api(console: Console, path: str, key: str = "evaluator") -> bytes:
    headers = {"Authorization": f"Bearer {console.world.keys[key]}"}
    response = console.client.get(path, headers=headers)
    assert response.status_code == 200, response.text
    return response.content


class TestFunnel:
    def test_the_funnel_shows_counts_shares_and_suppressed_values(self, console: Console) -> None:
        console.sign_in("evaluator")
        html = console.get("/console/funnel").text
        assert re.search(r"Har booket en sundhedssamtale</th><td class=\"num\">9</td>", html)
        assert re.search(
            r"Mødt til sundhedssamtalen</th><td class=\"num\">6</td>"
            r"<td class=\"num\">66,7 %</td>",
            html,
        )
        assert re.search(r"Har frameldt sig \(STOP\)</th><td class=\"num\">&lt;5</td>", html)
        assert "af tiderne er booket" in html and "udeblev fra en afholdt tid" in html
        assert html.count('<svg class="bars"') == 2 and 'role="img"' in html

    def test_small_counts_are_drawn_as_hidden_stubs(self, console: Console) -> None:
        console.sign_in("evaluator")
        # Only the citizen who booked on Thursday was invited from Thursday on: one person.
        html = console.get("/console/funnel?from=2026-11-26").text
        assert 'class="bar hidden"' in html
        assert ">&lt;5</text>" in html and ">1<" not in html

    def test_a_campaigns_funnel_is_the_campaigns_own(self, console: Console) -> None:
        console.sign_in("coordinator")
        campaign = console.world.campaign_id
        html = console.get(f"/console/funnel?campaign={campaign}").text
        assert f'<option value="{campaign}" selected>Test</option>' in html

    def test_the_funnel_of_one_partner_counts_the_members_it_invited(
        self, console: Console
    ) -> None:
        console.sign_in("evaluator")
        html = console.get("/console/funnel?partner=FOA+Roskilde").text
        assert '<option value="FOA Roskilde" selected>FOA Roskilde</option>' in html
        assert re.search(r"Har booket en sundhedssamtale</th><td class=\"num\">9</td>", html)
        # 3F's members are on the list but were never invited: nothing to count.
        other = console.get("/console/funnel?partner=3F+Roskilde").text
        assert re.search(r"Har booket en sundhedssamtale</th><td class=\"num\">0</td>", other)

    def test_the_live_refresh_gets_only_the_figures(self, console: Console) -> None:
        console.sign_in("evaluator")
        page = console.get("/console/funnel").text
        assert 'data-live-seconds="30"' in page and "/console/static/console.js" in page
        fragment = console.get("/console/funnel", headers={"X-Console-Fragment": "figures"})
        assert fragment.status_code == 200
        assert (
            "<html" not in fragment.text and "Tallene er fra 27.11.2026 kl. 10.00" in fragment.text
        )

    def test_filter_problems_are_named_in_danish(self, console: Console) -> None:
        console.sign_in("evaluator")
        bad = console.get("/console/funnel?from=i+går&campaign=x")
        assert bad.status_code == 422
        assert "Skriv en dato som 2026-11-23." in bad.text
        assert "Vælg en kampagne på listen." in bad.text
        backwards = console.get("/console/funnel?from=2026-12-01&to=2026-11-01")
        assert "Slutdatoen ligger før startdatoen." in backwards.text

    def test_another_municipality_is_not_found(self, console: Console) -> None:
        console.sign_in("evaluator")
        assert console.get("/console/funnel?municipality=Lejre").status_code == 404
        lejre = console.world.other_campaign_id
        assert console.get(f"/console/funnel?campaign={lejre}").status_code == 404

    def test_the_csv_is_the_apis(self, console: Console) -> None:
        console.sign_in("evaluator")
        query = f"campaign={console.world.campaign_id}&from=2026-11-01"
        response = console.get(f"/console/funnel.csv?{query}")
        assert response.headers["content-disposition"] == (
            f'attachment; filename="funnel_265_campaign{console.world.campaign_id}_2026-11-01.csv"'
        )
        expected = api(console, f"/api/v1/reports/funnel?format=csv&{query}")
        assert response.content == expected
        assert b"opted_out,<5" in response.content


class TestTables:
    def test_the_tables_show_the_cells_and_the_goal(self, console: Console) -> None:
        console.sign_in("evaluator")
        html = console.get("/console/tables?goal=10").text
        assert "<h2>Roskilde (265)</h2>" in html
        row = re.search(r"<th scope=\"row\">40–60 år</th>(.*?)</tr>", html, re.S)
        assert row is not None
        assert re.findall(r'<td class="num">([^<]*)</td>', row.group(1)) == [
            "0", "0", "0", "0", "6", "6"
        ]  # fmt: skip
        assert 'Råd om at kontakte egen læge</th><td class="num">6</td>' in html
        assert re.search(r">10</td>\s*<td class=\"num\">6</td>\s*<td class=\"num\">60,0 %", html)

    def test_a_goal_that_cannot_be_read_is_named(self, console: Console) -> None:
        console.sign_in("evaluator")
        response = console.get("/console/tables?goal=ti")
        assert response.status_code == 422
        assert "Skriv målet som et helt tal" in response.text

    def test_the_csv_download_is_the_apis(self, console: Console) -> None:
        console.sign_in("coordinator")
        page = console.get("/console/tables?goal=10").text
        link = re.search(r'href="(/console/tables\.csv\?[^"]*)"', page)
        assert link is not None
        response = console.get(link.group(1).replace("&amp;", "&"))
        assert response.headers["content-type"].startswith("text/csv")
        assert response.headers["content-disposition"] == 'attachment; filename="tables_265.csv"'
        assert response.content == api(
            console, "/api/v1/reports/tables?format=csv&goal=10", key="coordinator"
        )
        assert b"265,Roskilde,recruited_against_goal,share,value,0.6" in response.content

    def test_a_bad_filter_sends_the_download_back_to_the_page(self, console: Console) -> None:
        console.sign_in("evaluator")
        response = console.get("/console/tables.csv?from=nej")
        assert response.status_code == 303
        assert response.headers["location"] == "/console/tables?from=nej"
