"""Nobody sees what is not theirs: lists, details and edits start from visible_to(user)."""

import pytest
from django.urls import reverse

from mines.models import Company, HistoricalSite, KeyProject, Mine


@pytest.fixture
def world(mine_a, mine_b, site_in_project, site_elsewhere, project):
    return {"mine_a": mine_a, "mine_b": mine_b, "site_in": site_in_project, "site_out": site_elsewhere}


def names(response):
    return response.content.decode()


def test_a_company_user_lists_only_their_own_mines(client_for, company_user, world):
    body = names(client_for(company_user).get(reverse("mine-list")))
    assert "甲一号矿" in body
    assert "乙一号矿" not in body


def test_a_company_user_gets_404_for_another_companys_mine_by_any_url(client_for, company_user, world):
    client = client_for(company_user)
    other = world["mine_b"]
    for url in (
        reverse("mine-detail", args=[other.pk]),
        reverse("mine-edit", args=[other.pk]),
        reverse("company-detail", args=[other.company_id]),
        reverse("company-edit", args=[other.company_id]),
    ):
        assert client.get(url).status_code == 404, url
    assert client.post(reverse("mine-edit", args=[other.pk]), {"name": "x"}).status_code == 404


def test_a_company_user_cannot_find_another_companys_mine_through_filters(client_for, company_user, world):
    client = client_for(company_user)
    assert not client.get(reverse("mine-list"), {"q": "乙一号矿"}).context["object_list"]
    listed = client.get(reverse("mine-list"), {"company": world["mine_b"].company_id}).context["object_list"]
    assert world["mine_b"] not in listed


def test_a_company_user_may_read_but_not_edit_their_own_mine(client_for, company_user, world):
    client = client_for(company_user)
    assert client.get(reverse("mine-detail", args=[world["mine_a"].pk])).status_code == 200
    assert client.get(reverse("mine-edit", args=[world["mine_a"].pk])).status_code == 403
    assert client.get(reverse("mine-create")).status_code == 403


def test_a_company_user_sees_no_historical_sites_or_projects(client_for, company_user, world, project):
    client = client_for(company_user)
    assert client.get(reverse("site-detail", args=[world["site_in"].pk])).status_code == 404
    assert client.get(reverse("project-detail", args=[project.pk])).status_code == 404
    assert not client.get(reverse("site-list")).context["object_list"]
    assert not client.get(reverse("project-list")).context["object_list"]


def test_a_company_user_cannot_use_the_admin(client_for, company_user, world):
    response = client_for(company_user).get(reverse("admin:mines_mine_changelist"))
    assert response.status_code == 302
    assert reverse("admin:login") in response["Location"]


def test_a_county_officer_sees_only_their_county(client_for, county_officer, world):
    client = client_for(county_officer)
    body = names(client.get(reverse("mine-list")))
    assert "乙一号矿" in body and "甲一号矿" not in body
    assert client.get(reverse("mine-detail", args=[world["mine_a"].pk])).status_code == 404
    assert client.get(reverse("site-detail", args=[world["site_out"].pk])).status_code == 404
    assert client.get(reverse("site-detail", args=[world["site_in"].pk])).status_code == 200


def test_a_county_officer_sees_only_their_county_in_the_admin(client_for, county_officer, world):
    client = client_for(county_officer)
    body = names(client.get(reverse("admin:mines_mine_changelist")))
    assert "乙一号矿" in body and "甲一号矿" not in body
    assert client.get(reverse("admin:mines_mine_change", args=[world["mine_a"].pk])).status_code == 302


def test_a_county_officer_cannot_move_a_mine_out_of_their_scope(client_for, county_officer, world, shuocheng):
    client = client_for(county_officer)
    mine = world["mine_b"]
    response = client.get(reverse("mine-edit", args=[mine.pk]))
    assert [c.pk for c in response.context["form"].fields["county"].queryset] == [mine.county_id]
    data = {
        f: getattr(mine, f)
        for f in (
            "licence_no",
            "name",
            "mineral",
            "mining_method",
            "licensing_level",
            "scale",
            "design_capacity",
            "production_status",
            "longitude",
            "latitude",
        )
    }
    data.update(company=mine.company_id, county=shuocheng.pk)
    response = client.post(reverse("mine-edit", args=[mine.pk]), data)
    assert response.status_code == 200
    mine.refresh_from_db()
    assert mine.county.name == "平鲁区"


def test_a_contractor_sees_the_sites_and_projects_entrusted_to_it(client_for, contractor_user, world, project):
    client = client_for(contractor_user)
    assert client.get(reverse("site-detail", args=[world["site_in"].pk])).status_code == 200
    assert client.get(reverse("site-detail", args=[world["site_out"].pk])).status_code == 404
    assert client.get(reverse("project-detail", args=[project.pk])).status_code == 200
    assert client.get(reverse("mine-detail", args=[world["mine_a"].pk])).status_code == 404


def test_an_outsider_contractor_sees_nothing(client_for, outsider, world, project):
    client = client_for(outsider)
    assert client.get(reverse("project-detail", args=[project.pk])).status_code == 404
    assert client.get(reverse("site-detail", args=[world["site_in"].pk])).status_code == 404


def test_an_anonymous_visitor_is_sent_to_log_in(client, world):
    for url in (reverse("home"), reverse("mine-list"), reverse("mine-detail", args=[world["mine_a"].pk])):
        response = client.get(url)
        assert response.status_code == 302
        assert response["Location"].startswith(reverse("login"))


def test_visible_to_is_the_same_rule_for_every_model(company_user, county_officer, officer, world, project):
    assert set(Mine.objects.visible_to(company_user)) == {world["mine_a"]}
    assert set(Company.objects.visible_to(company_user)) == {world["mine_a"].company}
    assert not HistoricalSite.objects.visible_to(company_user).exists()
    assert set(Mine.objects.visible_to(county_officer)) == {world["mine_b"]}
    assert set(KeyProject.objects.visible_to(county_officer)) == {project}
    assert Mine.objects.visible_to(officer).count() == 2
    assert not Mine.objects.visible_to(None).exists()


def test_an_inactive_user_sees_nothing(officer, world):
    officer.is_active = False
    officer.save()
    assert not Mine.objects.visible_to(officer).exists()
