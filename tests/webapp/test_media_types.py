"""POST /api/v1/recognize refuses a raw body labelled as something other than an image, with 415."""
from __future__ import annotations

import cv2
import numpy as np
import pytest

RECOGNIZE = "/api/v1/recognize"
PAPER_PNG = cv2.imencode(".png", np.full((40, 60), 255, np.uint8))[1].tobytes()


@pytest.mark.parametrize("content_type", ["text/plain", "application/json", "image/svg+xml", "video/mp4",
                                          "multipart/mixed; boundary=x"])
def test_a_body_labelled_as_no_image_is_refused_with_415(client, content_type):
    response = client.post(RECOGNIZE, data=PAPER_PNG, headers={"Content-Type": content_type})
    assert response.status_code == 415
    error = response.get_json()["error"]
    assert error["code"] == "unsupported_media_type"
    assert content_type.split(";")[0] in error["message"]


@pytest.mark.parametrize("content_type", [None, "image/png", "application/octet-stream",
                                          "application/x-www-form-urlencoded"])
def test_a_body_labelled_as_an_image_or_as_plain_bytes_is_read(client, content_type):
    headers = {"Content-Type": content_type} if content_type else {}
    response = client.post(RECOGNIZE, data=PAPER_PNG, headers=headers)
    assert response.status_code == 200, response.get_json()
    assert response.get_json()["numbers"] == []
