"""Demonstrated badges in the LMS: the learner's brief and submission, the reviewers' queue and decisions, and the
organisation admin's reviewers (docs/badges.md). The rules are app.badges.submissions'; these views are thin."""
from urllib.parse import quote

from flask import Blueprint, Response, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _

from app.badges import submissions
from app.badges.catalogue import badge_catalogue
from app.badges.evidence_files import MAX_FILE_BYTES, MAX_FILES
from app.badges.models import Review, Submission, SubmissionFile
from app.clock import as_utc, current_clock
from app.errors import Forbidden, NotFound
from app.extensions import db
from app.http_limits import accepts_upload, database_id
from app.i18n import current_language
from app.learning.content import path_model
from app.lti.session import current_launch, launch_required, organisation_admin_launch

bp = Blueprint("badge_work", __name__, url_prefix="/badges/work")

UPLOAD_LIMIT = MAX_FILE_BYTES + 256 * 1024  # one file and the form around it


@bp.get("/<badge_id>")
@launch_required()
def brief(badge_id):
    """The brief of a demonstrated badge and the learner's submission: write, attach, save, submit; its state."""
    launch = current_launch()
    badge = submissions.demonstrated_badge(badge_id)
    submission = submissions.submission_of(launch.organisation_id, launch.person_id, badge.id)
    ready = submissions.prerequisites_met(path_model(), badge, launch.organisation_id, launch.person_id)
    return render_template("badges/work.html", badge=badge, submission=submission, ready=ready, path=path_model(),
                           max_files=MAX_FILES, title=badge.brief.title.localised(current_language()))


@bp.post("/<badge_id>")
@launch_required()
@accepts_upload(UPLOAD_LIMIT)
def save(badge_id):
    """Save the draft (text, links, an attached file) and, with "Submit", send it to the reviewers."""
    launch = current_launch()
    badge = submissions.demonstrated_badge(badge_id)
    now = current_clock().now()
    submission = submissions.draft_for(launch.organisation_id, launch.person_id, badge, path_model(), now=now)
    submissions.save_draft(submission, text=request.form.get("text", ""),
                           links=request.form.get("links", "").split(),
                           evidence_public=request.form.get("evidence_public") == "yes", now=now)
    try:  # a refused file or submission keeps the text just saved: the learner loses nothing they typed
        upload = request.files.get("file")
        if upload is not None and upload.filename:
            submissions.add_file(submission, upload.filename, upload.read(MAX_FILE_BYTES + 1), now=now)
        if request.form.get("action") == "submit":
            submissions.submit(submission, badge, path_model(), now=now)
            flash(_("Your work is submitted. A reviewer of your organisation will look at it; you will see their "
                    "decision here."), "success")
        else:
            flash(_("Your draft is saved."), "success")
    except submissions.SubmissionRefused as refused:
        flash(refused.message, "error")
        flash(_("Your text and links are saved as a draft."), "success")
    return redirect(url_for("badge_work.brief", badge_id=badge.id))


@bp.post("/<badge_id>/files/<file_id>/remove")
@launch_required()
def remove_file(badge_id, file_id):
    launch = current_launch()
    badge = submissions.demonstrated_badge(badge_id)
    submission = submissions.submission_of(launch.organisation_id, launch.person_id, badge.id, lock=True)
    if submission is None:
        raise NotFound(_("That file is not part of this submission."))
    submissions.remove_file(submission, file_id, now=current_clock().now())
    flash(_("The file is removed."), "success")
    return redirect(url_for("badge_work.brief", badge_id=badge.id))


@bp.get("/files/<file_id>")
@launch_required()
def download(file_id):
    """A submission's file, for its submitter and the organisation's reviewers of that badge: always a download,
    never shown inline (a file is never trusted as a page)."""
    launch = current_launch()
    attached = db.session.scalars(
        db.select(SubmissionFile).join(Submission)
        .where(SubmissionFile.public_id == file_id, Submission.organisation_id == launch.organisation_id)
    ).first()
    if attached is None:
        raise NotFound(_("There is no such file."))
    submission = attached.submission
    if submission.person_id != launch.person_id:
        submissions.submission_for_review(launch.organisation_id, launch.person_id, submission.public_id)
    response = Response(attached.content, mimetype=attached.media_type)
    response.headers["Content-Disposition"] = f"attachment; filename*=UTF-8''{quote(attached.filename)}"
    response.headers["X-Content-Type-Options"] = "nosniff"
    response.headers["Cache-Control"] = "no-store"
    response.headers["Content-Security-Policy"] = "default-src 'none'; sandbox"
    return response


# --- reviewers ---------------------------------------------------------------------------------------------------


@bp.get("/reviews")
@launch_required()
def review_queue():
    """Submitted work waiting for this reviewer, oldest first, with how long it has waited."""
    launch = current_launch()
    if not submissions.reviewable_badges(launch.organisation_id, launch.person_id):
        raise Forbidden(_("You are not a reviewer of any badge."),
                        hint=_("Your organisation's administrator names reviewers."))
    queue = submissions.review_queue(launch.organisation_id, launch.person_id)
    now = current_clock().now()
    waiting = {submission.id: (now - as_utc(submission.submitted_at)).days for submission in queue}
    return render_template("badges/review_queue.html", queue=queue, catalogue=badge_catalogue(), waiting=waiting,
                           title=_("Submissions to review"))


@bp.get("/reviews/<submission_id>")
@launch_required()
def review(submission_id):
    launch = current_launch()
    submission, badge, _role = submissions.submission_for_review(launch.organisation_id, launch.person_id,
                                                                 submission_id)
    return render_template("badges/review.html", submission=submission, badge=badge, review_kinds=Review,
                           title=_("Review: %(title)s", title=badge.brief.title.localised(current_language())))


@bp.post("/reviews/<submission_id>")
@launch_required()
def decide(submission_id):
    launch = current_launch()
    badge = submissions.submission_for_review(launch.organisation_id, launch.person_id, submission_id)[1]
    results = {criterion.id: (request.form.get(f"result-{criterion.id}"), request.form.get(f"comment-{criterion.id}"))
               for criterion in badge.brief.criteria}
    accept = request.form.get("decision") == "accept"
    submissions.decide(launch.organisation_id, launch.person_id, submission_id, results=results, accept=accept,
                       feedback=request.form.get("feedback", ""), now=current_clock().now())
    flash(_("The submission is accepted and the badge awarded.") if accept
          else _("The submission is returned with your feedback."), "success")
    return redirect(url_for("badge_work.review_queue"))


# --- the organisation admin's reviewers -----------------------------------------------------------------------------


@bp.get("/reviewers")
@launch_required()
def reviewers():
    """Who reviews which demonstrated badge; name someone from the people list, or send a one-time link."""
    launch = organisation_admin_launch()
    return _reviewers_page(launch, invitation=None)


def _reviewers_page(launch, *, invitation: str | None):
    people = submissions.people_to_choose(launch.organisation_id)
    return render_template("badges/reviewers.html", reviewers=submissions.reviewers_of(launch.organisation_id),
                           people=people, people_by_id={choice.person.id: choice for choice in people},
                           badges=badge_catalogue().demonstrated, invitation=invitation, title=_("Badge reviewers"))


@bp.post("/reviewers")
@launch_required()
def name_reviewer():
    launch = organisation_admin_launch()
    submissions.name_reviewer(launch.organisation_id, request.form.get("person", type=database_id),
                              request.form.get("badge") or None, named_by=_admin_name(launch),
                              now=current_clock().now())
    flash(_("The reviewer is named."), "success")
    return redirect(url_for("badge_work.reviewers"))


@bp.post("/reviewers/<int:reviewer_id>/remove")
@launch_required()
def remove_reviewer(reviewer_id):
    launch = organisation_admin_launch()
    submissions.remove_reviewer(launch.organisation_id, reviewer_id)
    flash(_("The reviewer is removed."), "success")
    return redirect(url_for("badge_work.reviewers"))


@bp.post("/reviewers/invitations")
@launch_required()
def invite_reviewer():
    """A one-time reviewer code, shown once: the colleague enters it on My badges in their own launch of the tool."""
    launch = organisation_admin_launch()
    token = submissions.invite_reviewer(launch.organisation_id, request.form.get("badge") or None,
                                        created_by=_admin_name(launch), now=current_clock().now())
    return _reviewers_page(launch, invitation=token)


@bp.post("/reviewer-code")
@launch_required()
def accept_invitation():
    """The colleague enters the one-time code on My badges, in their own launch: a link would carry no launch of
    theirs (the tool lives in the LMS frame), and a code cannot carry the admin's."""
    launch = current_launch()
    submissions.accept_invitation(launch.organisation_id, launch.person_id, request.form.get("code", "").strip(),
                                  now=current_clock().now())
    flash(_("You are now a reviewer of your organisation's badge submissions."), "success")
    return redirect(url_for("badge_work.review_queue"))


def _admin_name(launch) -> str:
    person = launch.person
    return (person.name or person.subject) if person else "organisation admin"


