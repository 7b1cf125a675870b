"""« Mes dossiers »: add by SIREN, list and search, remove, import a CSV, adhere to services."""

from __future__ import annotations

from flask import (
    Blueprint,
    abort,
    current_app,
    flash,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_babel import gettext as _
from flask_login import current_user, login_required
from sqlalchemy import update
from sqlalchemy.exc import IntegrityError
from werkzeug.exceptions import RequestEntityTooLarge

from web.core import audit
from web.core.errors import render_error
from web.core.expired_forms import keeps_on_expiry
from web.core.i18n import translate_error
from web.core.request_rules import accepts_uploads, page_number
from web.domain.text import clean_text, without_forbidden
from web.dossiers import importing, queries
from web.dossiers.catalogue import CATALOGUE, role_label, service_named
from web.dossiers.forms import ActionForm, AdhesionForm, DossierForm, ImportForm
from web.extensions import db
from web.models import Adhesion, Dossier, utcnow

bp = Blueprint("dossiers", __name__, url_prefix="/espace/dossiers")


@bp.app_template_filter("dossier_siren")
def siren_filter(siren: str) -> str:
    """Show a SIREN in groups of three digits (anything else as it is)."""
    plain = len(siren) == 9 and siren.isascii() and siren.isdigit()
    return queries.format_siren(siren) if plain else siren


def _limits() -> dict[str, int]:
    config = current_app.config
    return {"warning_count": config["DOSSIER_WARNING_COUNT"], "limit": config["DOSSIER_LIMIT"]}


@bp.route("/")
@login_required
def index():
    """The list, 20 per page, searchable by SIREN or name."""
    # Control characters cannot be in a name: dropped from the search (PostgreSQL refuses NUL).
    query = clean_text(without_forbidden(request.args.get("q", "")))[:120]
    page = request.args.get("page", 1, type=page_number)
    return render_template(
        "dossiers/index.html",
        dossiers=queries.search(current_user.id, query, page),
        query=query,
        total=queries.dossier_count(current_user.id),
        **_limits(),
    )


@bp.route("/ajouter", methods=["GET", "POST"])
@keeps_on_expiry(DossierForm)
@login_required
def add():
    """« Ajouter un dossier »: a valid SIREN, once per space, within the limit."""
    form = DossierForm()
    limit = current_app.config["DOSSIER_LIMIT"]
    count = queries.dossier_count(current_user.id)
    if count < limit and form.validate_on_submit():
        queries.lock_space(current_user.id)
        count = queries.dossier_count(current_user.id)
        twin = queries.has_siren(current_user.id, form.normalised_siren)
        if twin is not None:
            form.siren.errors.append(_duplicate_message(twin))
        elif count < limit:
            dossier = Dossier(
                registration_id=current_user.id,
                siren=form.normalised_siren,
                label=form.label.data or "",
            )
            db.session.add(dossier)
            audit.record(current_user.id, "dossier_added", queries.describe(dossier))
            try:
                db.session.commit()
            except IntegrityError:  # the same SIREN added from another tab meanwhile
                db.session.rollback()
                form.siren.errors.append(_("Ce SIREN figure déjà dans votre espace."))
            else:
                flash(
                    _("Le dossier %(dossier)s a été ajouté.", dossier=queries.describe(dossier)),
                    "success",
                )
                return redirect(url_for("dossiers.show", dossier_id=dossier.id))
    return render_template(
        "dossiers/add.html", form=form, count=count, limit_reached=count >= limit, **_limits()
    )


def _duplicate_message(twin: Dossier) -> str:
    return _(
        "Ce SIREN figure déjà dans votre espace (dossier %(dossier)s).",
        dossier=queries.describe(twin),
    )


@bp.route("/<int:dossier_id>")
@login_required
def show(dossier_id: int):
    """One dossier: its details and the online services it adheres to."""
    return _render_dossier(queries.owned_dossier(current_user.id, dossier_id))


def _render_dossier(
    dossier: Dossier, service_key: str | None = None, submitted: AdhesionForm | None = None
):
    current = {
        adhesion.service: adhesion
        for adhesion in dossier.adhesions
        if adhesion.withdrawn_at is None
    }
    forms = {service.key: AdhesionForm(prefix=service.key, formdata=None) for service in CATALOGUE}
    if service_key is not None and submitted is not None:
        forms[service_key] = submitted
    past = sorted(
        (adhesion for adhesion in dossier.adhesions if adhesion.withdrawn_at),
        key=lambda adhesion: (adhesion.withdrawn_at, adhesion.id),
        reverse=True,
    )
    failed = service_named(service_key) if submitted is not None and service_key else None
    return render_template(
        "dossiers/show.html",
        dossier=dossier,
        catalogue=CATALOGUE,
        current=current,
        forms=forms,
        past=past,
        failed=failed,
        role_label=role_label,
        service_named=service_named,
    )


@bp.route("/<int:dossier_id>/services/<service_key>/adherer", methods=["POST"])
@keeps_on_expiry(AdhesionForm)
@login_required
def adhere(dossier_id: int, service_key: str):
    """« Adhérer »: the dossier joins one service, as legal representative or agent."""
    dossier = queries.owned_dossier(current_user.id, dossier_id)
    service = service_named(service_key)
    if service is None:
        abort(404)
    form = AdhesionForm(prefix=service.key)
    if not form.validate_on_submit():
        return _render_dossier(dossier, service.key, form)
    back = url_for("dossiers.show", dossier_id=dossier.id, _anchor=f"service-{service.key}")
    if any(
        adhesion.service == service.key and adhesion.withdrawn_at is None
        for adhesion in dossier.adhesions
    ):
        flash(
            _("Ce dossier adhère déjà au service « %(service)s ».", service=service.label),
            "warning",
        )
        return redirect(back)
    db.session.add(Adhesion(dossier=dossier, service=service.key, role=form.role.data))
    audit.record(
        current_user.id,
        "adhesion_added",
        f"{queries.describe(dossier)} : {service.label} ({role_label(form.role.data).lower()})",
    )
    try:
        db.session.commit()
    except IntegrityError:  # a double click: the other request adhered first
        db.session.rollback()
        flash(
            _("Ce dossier adhère déjà au service « %(service)s ».", service=service.label),
            "warning",
        )
    else:
        flash(_("Adhésion enregistrée : « %(service)s ».", service=service.label), "success")
    return redirect(back)


@bp.route("/<int:dossier_id>/adhesions/<int:adhesion_id>/retirer", methods=["GET", "POST"])
@keeps_on_expiry(ActionForm)
@login_required
def withdraw(dossier_id: int, adhesion_id: int):
    """Confirm, then « Retirer »: the adhesion ends today and stays in the past adhesions."""
    adhesion = queries.owned_adhesion(current_user.id, dossier_id, adhesion_id)
    service = service_named(adhesion.service)
    label = service.label if service else adhesion.service
    back = url_for("dossiers.show", dossier_id=dossier_id)
    if not ActionForm().validate_on_submit():
        if adhesion.withdrawn_at is not None:
            flash(_("Cette adhésion avait déjà été retirée."), "warning")
            return redirect(back)
        return render_template(
            "dossiers/withdraw.html",
            dossier=adhesion.dossier,
            adhesion=adhesion,
            service_label=label,
            role_label=role_label,
        )
    # Only the request that actually ends it records the event (double clicks are harmless).
    ended = db.session.execute(
        update(Adhesion)
        .where(Adhesion.id == adhesion.id, Adhesion.withdrawn_at.is_(None))
        .values(withdrawn_at=utcnow())
    )
    if ended.rowcount:
        audit.record(
            current_user.id, "adhesion_withdrawn", f"{queries.describe(adhesion.dossier)} : {label}"
        )
        db.session.commit()
        flash(_("Adhésion au service « %(service)s » retirée.", service=label), "success")
    else:
        db.session.rollback()
        flash(_("Cette adhésion avait déjà été retirée."), "warning")
    return redirect(back)


@bp.route("/<int:dossier_id>/supprimer", methods=["GET", "POST"])
@keeps_on_expiry(ActionForm)
@login_required
def remove(dossier_id: int):
    """Confirm, then remove the dossier and its adhesions."""
    dossier = queries.owned_dossier(current_user.id, dossier_id)
    if ActionForm().validate_on_submit():
        summary = queries.describe(dossier)
        db.session.delete(dossier)
        audit.record(current_user.id, "dossier_removed", summary)
        db.session.commit()
        flash(_("Le dossier %(dossier)s a été supprimé.", dossier=summary), "success")
        return redirect(url_for("dossiers.index"))
    return render_template(
        "dossiers/remove.html",
        dossier=dossier,
        services=[a for a in dossier.adhesions if a.withdrawn_at is None],
    )


@bp.route("/importer", methods=["GET", "POST"])
@keeps_on_expiry(ImportForm)
@accepts_uploads("file")
@login_required
def import_dossiers():
    """Import a CSV file of SIRENs (and names): every valid line at once, with a report."""
    form = ImportForm()
    report = None
    if form.validate_on_submit():
        try:
            lines = importing.read_lines(form.file.data.read(importing.MAX_BYTES + 1))
        except importing.MalformedFile as error:
            form.file.errors.append(translate_error(error))
        else:
            report = _save_import(lines, form)
    return render_template(
        "dossiers/import.html", form=form, report=report, max_lines=importing.MAX_LINES, **_limits()
    )


def _save_import(lines: list[importing.FileLine], form: ImportForm):
    queries.lock_space(current_user.id)
    report = importing.plan(
        lines, queries.sirens_in_space(current_user.id), current_app.config["DOSSIER_LIMIT"]
    )
    db.session.add_all(
        Dossier(registration_id=current_user.id, siren=row.siren, label=row.label)
        for row in report.added
    )
    audit.record(
        current_user.id,
        "dossiers_imported",
        _(
            "%(added)d ajouté(s), %(refused)d refusé(s)",
            added=len(report.added),
            refused=len(report.refused),
        ),
    )
    try:
        db.session.commit()
    except IntegrityError:  # a dossier added from another tab during the import
        db.session.rollback()
        form.file.errors.append(
            _(
                "Votre espace a changé pendant l'import : aucun dossier n'a "
                "été ajouté. Recommencez l'import."
            )
        )
        return None
    return report


@bp.errorhandler(RequestEntityTooLarge)
def file_too_large(error: RequestEntityTooLarge):
    """A file over the request limit gets the import page's own message, not a bare 413."""
    if request.endpoint != "dossiers.import_dossiers" or not current_user.is_authenticated:
        return render_error(413)
    form = ImportForm(formdata=None)
    form.file.errors = [translate_error(importing.too_big())]
    return render_template(
        "dossiers/import.html", form=form, report=None, max_lines=importing.MAX_LINES, **_limits()
    ), 413
