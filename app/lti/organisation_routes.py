"""The organisation admin's pages: their organisation's LMS sites (approving new ones) and its people (merging two).
Its badge issuer profile, with the college's country, is app/badges/issuer_routes.py.

They live in lti, not tenancy, because they are reached through a launch (`current_launch`: the LMS asserts the
organisation admin's role); the work is tenancy's services.
"""
from flask import Blueprint, current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _

from app.errors import AppError
from app.extensions import db
from app.http_limits import database_id
from app.lti.session import organisation_admin_launch
from app.tenancy.labels import register_filters
from app.tenancy.models import Deployment
from app.tenancy.paging import page_number
from app.tenancy.people_search import find_people, people_page
from app.tenancy.services import (
    approve_deployment_of_organisation,
    available_time_zones,
    merge_people,
    organisation_admin_may_approve,
    scoped,
    set_instructors_see_self_assessments,
    set_language_and_time_zone,
)

bp = Blueprint("organisation", __name__, url_prefix="/organisation")
register_filters(bp)  # statuses as words, registrations by name and issuer


@bp.get("/sites")
def sites():
    """The organisation's LMS sites (deployments), pending ones first."""
    launch = organisation_admin_launch()
    deployments = db.session.scalars(
        scoped(Deployment, launch.organisation_id).order_by(Deployment.status.desc(), Deployment.created_at)
    ).all()
    approvable = {deployment.id for deployment in deployments
                  if organisation_admin_may_approve(deployment, launch.organisation_id)}
    return render_template("tenancy/sites.html", lms_sites=_by_lms(deployments), organisation=launch.organisation,
                           approvable=approvable, languages=current_app.config["LANGUAGES"],
                           time_zones=available_time_zones(), title=_("LMS sites"))


def _by_lms(deployments: list[Deployment]) -> list[dict]:
    """The sites grouped by their LMS (registration), in the order met: one collapsible section each."""
    groups: dict[int, dict] = {}
    for deployment in deployments:
        group = groups.setdefault(deployment.registration_id,
                                  {"registration": deployment.registration, "deployments": [], "pending": 0})
        group["deployments"].append(deployment)
        group["pending"] += deployment.status == Deployment.PENDING
    return list(groups.values())


@bp.post("/settings/language-and-time")
def language_and_time_setting():
    """The college's language (the default of link titles in its courses) and the time zone of its people's times."""
    launch = organisation_admin_launch()
    organisation = set_language_and_time_zone(launch.organisation_id, request.form.get("language", ""),
                                              request.form.get("time_zone", ""),
                                              languages=current_app.config["LANGUAGES"])
    flash(_("Saved: times are shown in %(zone)s.", zone=organisation.time_zone or "UTC"), "success")
    return redirect(url_for("organisation.sites", _anchor="language-title"), 303)


@bp.post("/settings/self-assessments")
def self_assessment_setting():
    """Let instructors see their course members' self-assessment summaries, or not (the default)."""
    launch = organisation_admin_launch()
    allowed = "yes" in request.form.getlist("instructors_see_self_assessments")
    set_instructors_see_self_assessments(launch.organisation_id, allowed)
    flash(_("Instructors now see their course members' self-assessment summaries.") if allowed
          else _("Self-assessments are now seen only by each person and, as combined figures, by the organisation."),
          "success")
    return redirect(url_for("organisation.sites", _anchor="privacy-title"), 303)


@bp.post("/sites/<int:deployment_id>/approve")
def approve_site(deployment_id: int):
    """Approve a pending LMS site of the organisation."""
    launch = organisation_admin_launch()
    deployment = approve_deployment_of_organisation(launch.organisation_id, deployment_id)
    flash(_("LMS site %(site)s approved.", site=deployment.deployment_id), "success")
    return redirect(url_for("organisation.sites"), 303)


@bp.get("/people")
def people():
    """The organisation's people a page at a time, and the merge form's two searches (`keep`, `merge`)."""
    launch = organisation_admin_launch()
    keep_query, merge_query = request.args.get("keep", ""), request.args.get("merge", "")
    searched = bool(keep_query.strip() or merge_query.strip())
    # One search for both lists when only one is given: two records of one person usually share a name.
    keep = find_people(launch.organisation_id, keep_query or merge_query)
    merge_candidates = find_people(launch.organisation_id, merge_query or keep_query)
    return render_template("tenancy/people.html", searched=searched, keep=keep, merge=merge_candidates,
                           keep_query=keep_query, merge_query=merge_query,
                           page=people_page(launch.organisation_id, page_number(request.args.get("page"))),
                           title=_("People"))


@bp.post("/people/merge")
def merge():
    """Merge one person's record into another's (the same teacher seen through two LMSs)."""
    launch = organisation_admin_launch()
    kept_id, merged_id = (request.form.get(name, type=database_id) for name in ("kept_id", "merged_id"))
    if kept_id is None or merged_id is None:  # missing, or no id at all (99999999999 would overflow the query)
        raise AppError(_("Choose two people of your organisation to merge."),
                       hint=_("Search for each of the two records on the people page, choose one in each list of "
                              "results and send the form again."))
    kept = merge_people(launch.organisation_id, kept_id, merged_id)
    flash(_("The two records are now one."), "success")
    # The message at the top, and the kept record found again by its LMS user id below it.
    return redirect(url_for("organisation.people", keep=kept.subject), 303)
