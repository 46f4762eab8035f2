"""Pages and the REST API. Thin handlers: read the request, call the service, return JSON."""
from __future__ import annotations

from flask import Blueprint, abort, current_app, jsonify, render_template, request, send_from_directory
from werkzeug.exceptions import HTTPException, RequestEntityTooLarge

from training.core import store
from webapp.errors import (BadRequestError, DigitReaderError, ImageTooLargeError, UnsupportedMediaError,
                           error_payload)

bp = Blueprint("main", __name__)

RAW_IMAGE_TYPES = {"image/jpeg", "image/pjpeg", "image/jpg", "image/png", "image/webp", "image/bmp", "image/x-ms-bmp",
                   "image/gif"}
UNLABELLED_TYPES = {"", "application/octet-stream", "application/x-www-form-urlencoded", "*/*"}

# No inline script or style anywhere: the page's code is in static/ only.
CONTENT_SECURITY_POLICY = ("default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data: blob:; "
                           "media-src 'self' blob:; connect-src 'self' ws: wss:; frame-ancestors 'none'; "
                           "base-uri 'self'; form-action 'self'; object-src 'none'")
SECURITY_HEADERS = {
    "Content-Security-Policy": CONTENT_SECURITY_POLICY,
    "X-Content-Type-Options": "nosniff",
    "X-Frame-Options": "DENY",
    "Referrer-Policy": "no-referrer",
    "Permissions-Policy": "camera=(self), microphone=(), geolocation=()",
}


@bp.after_app_request
def security_headers(response):
    """Every response, pages and API alike, carries the security headers."""
    for name, value in SECURITY_HEADERS.items():
        response.headers.setdefault(name, value)
    return response


def service():
    return current_app.extensions["digit_reader"]


def corrections():
    return current_app.extensions["corrections"]


def store_dir():
    return current_app.config["MODEL_STORE"] or store.STORE_DIR


@bp.get("/")
def index():
    """The page: draw, webcam and upload."""
    return render_template("index.html")


@bp.get("/models")
def models_page():
    """Each model's card and training curves; the user picks the model the page uses."""
    return render_template("models.html")


@bp.get("/models/<name>/curves.png")
def model_curves(name: str):
    """The training curves PNG of a model in the store."""
    names = {m.name for m in store.list_models(store_dir())}
    if name not in names:
        abort(404)
    return send_from_directory(store_dir() / name, "curves.png")


@bp.get("/healthz")
def healthz():
    """Liveness and model state, for load balancers and people."""
    status = service().status()
    body = {"status": "ok", "inference": status["state"], "model": status["model"]}
    workers = getattr(service().backend, "workers", None)
    if workers is not None:  # INFERENCE "redis": the workers alive, from their heartbeats in Redis
        body["workers"] = len(workers)
    return jsonify(body)


@bp.get("/api/v1/models")
def list_models():
    """Every model in the store with its card; which is the default and which the server runs."""
    stored = store.list_models(store_dir())
    return jsonify({
        "default": store.default_name(store_dir()) if (store_dir() / store.DEFAULT_FILE).exists() else None,
        "active": service().status()["model"]["name"],
        "corrections": {"count": correction_count()},
        "models": [{"name": m.name, "card": m.card, "curves_url": f"/models/{m.name}/curves.png",
                    "held_out_corrections": held_out_corrections(m.card)} for m in stored],
    })


def correction_count() -> int | None:
    """How many corrections are kept; None when the store cannot be read now (the models are listed anyway)."""
    try:
        return corrections().stats()["count"]
    except DigitReaderError:
        return None


def held_out_corrections(card: dict) -> dict | None:
    """A model fine-tuned on corrections: how many it learned from, and its figure on the held-out ones before
    and after (``python -m training finetune --corrections`` writes them into its card); None for the others."""
    learned = card.get("corrections")
    if not learned:
        return None
    held_out = learned.get("held_out", {})
    return {"trained_on": learned.get("trained_on"), "held_out": held_out.get("count"),
            "before": held_out.get("before", {}).get("sequence_accuracy"),
            "after": held_out.get("after", {}).get("sequence_accuracy")}


@bp.post("/api/v1/recognize")
def recognize():
    """An image (multipart field ``image``, or the raw body) -> the numbers read, in reading order."""
    if request.mimetype == "multipart/form-data":
        upload = request.files.get("image")
        if upload is None:
            raise BadRequestError(f"multipart upload needs a field named 'image'; got {sorted(request.files)}")
        data = upload.read()  # the upload's file name is never used
        model = request.form.get("model") or request.args.get("model") or None
    else:  # the raw body is the image
        check_body_type(request.mimetype)
        data = request.get_data(cache=False, parse_form_data=False)
        model = request.args.get("model") or None
    refuse_cut_body()
    return jsonify(service().recognize_upload(request.remote_addr or "unknown", data, model))


def refuse_cut_body() -> None:
    """413 for a body that was cut, after reading it."""
    if request.content_length is None and getattr(request.stream, "is_exhausted", False):
        # Werkzeug cuts a body sent without a Content-Length (chunked) at MAX_CONTENT_LENGTH instead of refusing
        # it: without this, the first 10 MB of a bigger upload would be read as if they were all of it
        raise ImageTooLargeError(f"request body is over the limit of {current_app.config['MAX_CONTENT_LENGTH']} "
                                 "bytes (sent without a Content-Length)")


def check_body_type(mimetype: str) -> None:
    """A raw body must be labelled as one of the images read, or as bytes of no stated kind: no label, octet-stream,
    curl's default for --data-binary (urlencoded) or */*. Anything else (text, JSON, SVG, video) is refused with 415
    before the body is read."""
    if mimetype in RAW_IMAGE_TYPES or mimetype in UNLABELLED_TYPES:
        return
    raise UnsupportedMediaError(f"Content-Type {mimetype!r:.80} is not an image this server reads; send a JPEG, PNG, "
                                "WebP, BMP or GIF as the body (image/jpeg, image/png... or application/octet-stream) "
                                "or as the multipart field 'image'")


@bp.post("/api/v1/corrections")
def add_correction():
    """A user's fix of a misread, multipart: ``image``, ``text``, ``mode``, and ``read``, ``model``, ``box`` ->
    201 {"id", "delete_token"} (docs/corrections.md)."""
    if request.mimetype != "multipart/form-data":
        raise BadRequestError(f"send a correction as multipart/form-data with the fields image, text, mode (and read, "
                              f"model, box); received Content-Type {request.mimetype!r:.80}")
    upload = request.files.get("image")
    if upload is None:
        raise BadRequestError(f"a correction needs a file field named 'image'; got files {sorted(request.files)}")
    data = upload.read()  # the upload's file name is never used, nor kept
    refuse_cut_body()
    answer = corrections().submit(request.remote_addr or "unknown", data, request.form, service().status()["model"])
    return jsonify(answer), 201


@bp.delete("/api/v1/corrections/<sample_id>")
def delete_correction(sample_id: str):
    """Delete a correction with the token its POST answered, in the header ``X-Delete-Token``: 204."""
    corrections().delete(sample_id, request.headers.get("X-Delete-Token"))
    return "", 204


@bp.get("/api/v1/corrections/stats")
def correction_stats():
    """How many corrections are kept, in all and by mode: no image, no text."""
    return jsonify(corrections().stats())


@bp.app_errorhandler(DigitReaderError)
def domain_error(exc: DigitReaderError):
    """Every domain error becomes its status and ``{"error": {"code", "message"}}``."""
    response = jsonify(exc.to_payload())
    response.status_code = exc.status
    if exc.retry_after:
        response.headers["Retry-After"] = str(int(exc.retry_after + 0.999))
    return response


@bp.app_errorhandler(RequestEntityTooLarge)
def body_too_large(exc):
    limit = current_app.config["MAX_CONTENT_LENGTH"]
    size = f"{request.content_length} bytes" if request.content_length is not None else "a body"
    return domain_error(ImageTooLargeError(f"request body of {size} is over the limit of {limit} bytes"))


@bp.app_errorhandler(HTTPException)
def http_error(exc: HTTPException):
    """Other HTTP errors as JSON under /api, as Flask's page elsewhere."""
    if not request.path.startswith("/api/"):
        return exc
    response = jsonify(error_payload(exc.name.lower().replace(" ", "_"), exc.description))
    response.status_code = exc.code
    return response
