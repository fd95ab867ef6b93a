"""Check a firmware image before anything is written: approved hash and target chip."""

from __future__ import annotations

import hashlib
import json
import struct
from dataclasses import dataclass
from pathlib import Path

from provision.errors import Fault, ProvisionError

DEFAULT_IMAGES_LIST = Path(__file__).resolve().parent / "firmware-images.json"

ESP_IMAGE_MAGIC = 0xE9
# The chip id sits in the extended header, 12 bytes into the image:
# 8 bytes of common header, then wp_pin (1) and SPI drive settings (3).
CHIP_ID_OFFSET = 12

# Image chip ids from esptool 5.6 (``IMAGE_CHIP_ID`` of each target class).
CHIP_NAMES = {
    0: "ESP32",
    2: "ESP32-S2",
    5: "ESP32-C3",
    9: "ESP32-S3",
    12: "ESP32-C2",
    13: "ESP32-C6",
    16: "ESP32-H2",
}


@dataclass(frozen=True)
class CheckedImage:
    """A firmware image whose hash is approved and whose header names its chip."""

    path: Path
    data: bytes
    sha256: str
    chip_id: int

    @property
    def chip_name(self) -> str:
        return CHIP_NAMES.get(self.chip_id, f"chip id {self.chip_id}")


def load_images_list(path: Path) -> dict[str, dict[str, str]]:
    """Return approved images by SHA-256: ``{"<sha256>": {"file": ..., "chip": ...}}``."""
    entries = json.loads(Path(path).read_text())["images"]
    return {entry["sha256"].lower(): entry for entry in entries}


def image_chip_id(data: bytes) -> int | None:
    """Return the chip id in an ESP image header, or None if the data is no ESP image."""
    if len(data) < CHIP_ID_OFFSET + 2 or data[0] != ESP_IMAGE_MAGIC:
        return None
    return struct.unpack_from("<H", data, CHIP_ID_OFFSET)[0]


def check_image(image: Path, images_list: Path = DEFAULT_IMAGES_LIST) -> CheckedImage:
    """Read the image and raise ProvisionError unless it is approved and well formed."""
    image = Path(image)
    if not image.is_file():
        raise ProvisionError(Fault.IMAGE_MISSING, image=str(image))
    data = image.read_bytes()
    sha256 = hashlib.sha256(data).hexdigest()
    approved = load_images_list(images_list)
    entry = approved.get(sha256)
    if entry is None:
        raise ProvisionError(
            Fault.IMAGE_UNKNOWN, image=image.name, sha256=sha256, images_list=str(images_list)
        )
    chip_id = image_chip_id(data)
    if chip_id is None:
        raise ProvisionError(Fault.IMAGE_INVALID, image=image.name, magic=data[0] if data else 0)
    header_chip = CHIP_NAMES.get(chip_id, str(chip_id))
    if entry.get("chip", "").upper() != header_chip:
        raise ProvisionError(
            Fault.IMAGE_LIST_MISMATCH,
            image=image.name,
            listed=entry.get("chip"),
            header=header_chip,
        )
    return CheckedImage(path=image, data=data, sha256=sha256, chip_id=chip_id)
