"""Pictures the demo draws itself (Pillow): simple scenes of village works, saved as JPEG and
stored like any upload (core.photos.store_photo, through the services that take photos)."""

import io
import random
from functools import cache

from PIL import Image, ImageDraw

WIDTH, HEIGHT = 960, 640
def _landscape(draw, rng, night=False):
    sky = (28, 36, 72) if night else (rng.randint(150, 185), rng.randint(200, 225), 240)
    draw.rectangle((0, 0, WIDTH, HEIGHT), fill=sky)
    for _ in range(3):  # hills
        x, h = rng.randint(-200, WIDTH), rng.randint(140, 260)
        green = (40, 70, 50) if night else (rng.randint(90, 130), rng.randint(150, 180), rng.randint(90, 110))
        draw.ellipse((x - 320, HEIGHT * 0.55 - h, x + 320, HEIGHT * 0.55 + h), fill=green)
    ground = (50, 60, 45) if night else (rng.randint(150, 175), rng.randint(175, 195), 110)
    draw.rectangle((0, HEIGHT * 0.55, WIDTH, HEIGHT), fill=ground)
    if night:
        draw.ellipse((WIDTH - 170, 50, WIDTH - 110, 110), fill=(245, 240, 200))
    else:
        draw.ellipse((WIDTH - 170, 50, WIDTH - 90, 130), fill=(255, 214, 90))


def _house(draw, x, y, scale, wall=(236, 226, 205), roof=(120, 70, 60)):
    w, h = 150 * scale, 100 * scale
    draw.rectangle((x, y - h, x + w, y), fill=wall, outline=(90, 80, 70), width=2)
    draw.polygon([(x - 15 * scale, y - h), (x + w / 2, y - h - 60 * scale), (x + w + 15 * scale, y - h)], fill=roof)
    draw.rectangle((x + w * 0.4, y - h * 0.55, x + w * 0.6, y), fill=(110, 80, 60))


def _road(draw, rng):
    draw.polygon([(WIDTH * 0.42, HEIGHT * 0.55), (WIDTH * 0.58, HEIGHT * 0.55), (WIDTH * 0.9, HEIGHT),
                  (WIDTH * 0.1, HEIGHT)], fill=(150, 150, 145))
    for _ in range(6):  # stones and potholes
        x, y = rng.randint(250, 700), rng.randint(400, 620)
        draw.ellipse((x, y, x + rng.randint(30, 70), y + rng.randint(12, 25)), fill=(110, 105, 100))
    _house(draw, 40, 420, 1.0)
    _house(draw, WIDTH - 230, 430, 0.9, roof=(70, 90, 120))


def _water(draw, rng):
    _house(draw, 80, 440, 1.1)
    draw.rectangle((560, 200, 760, 430), fill=(70, 130, 190), outline=(40, 70, 110), width=4)  # a tank
    draw.rectangle((560, 190, 760, 215), fill=(50, 90, 140))
    draw.rectangle((640, 430, 660, 560), fill=(90, 90, 95))
    draw.rectangle((440, 540, 660, 560), fill=(90, 90, 95))  # the pipe to the tap
    for k in range(5):
        draw.ellipse((430 - k * 4, 570 + k * 14, 444 - k * 4, 584 + k * 14), fill=(120, 180, 230))


def _lights(draw, rng):
    draw.rectangle((0, HEIGHT * 0.72, WIDTH, HEIGHT * 0.82), fill=(70, 70, 75))
    for k in range(5):
        x = 80 + k * 200
        draw.polygon([(x + 30, 200), (x - 40, HEIGHT * 0.8), (x + 100, HEIGHT * 0.8)], fill=(90, 90, 70))
        draw.rectangle((x + 25, 190, x + 35, HEIGHT * 0.76), fill=(160, 160, 165))
        draw.rectangle((x + 10, 180, x + 50, 192), fill=(200, 200, 205))
        draw.rectangle((x + 45, 150, x + 85, 175), fill=(40, 60, 110), outline=(200, 200, 200))  # a solar panel
        draw.ellipse((x + 18, 190, x + 42, 208), fill=(255, 240, 160))


def _bins(draw, rng):
    draw.rectangle((0, HEIGHT * 0.62, WIDTH, HEIGHT), fill=(185, 180, 170))
    for k, colour in enumerate([(40, 120, 70), (40, 90, 170), (200, 60, 50), (120, 120, 120)]):
        x = 170 + k * 170
        draw.rounded_rectangle((x, 330, x + 120, 520), radius=10, fill=colour, outline=(30, 30, 30), width=2)
        draw.rectangle((x - 8, 318, x + 128, 340), fill=tuple(max(0, c - 30) for c in colour))
        draw.ellipse((x + 40, 390, x + 80, 430), outline=(255, 255, 255), width=4)


def _books(draw, rng):
    draw.rectangle((0, 0, WIDTH, HEIGHT), fill=(240, 232, 215))
    draw.rectangle((0, HEIGHT * 0.8, WIDTH, HEIGHT), fill=(170, 130, 90))
    for shelf in range(3):
        y = 140 + shelf * 150
        draw.rectangle((120, y + 120, WIDTH - 120, y + 132), fill=(120, 80, 50))
        x = 130
        while x < WIDTH - 150:
            w = rng.randint(18, 34)
            draw.rectangle((x, y + rng.randint(20, 50), x + w, y + 120),
                           fill=(rng.randint(60, 220), rng.randint(60, 200), rng.randint(60, 200)))
            x += w + 3


def _clinic(draw, rng):
    _house(draw, 300, 470, 2.0, wall=(245, 245, 245), roof=(150, 60, 50))
    draw.rectangle((440, 280, 460, 340), fill=(210, 40, 40))
    draw.rectangle((420, 300, 480, 320), fill=(210, 40, 40))


def _bridge(draw, rng):
    draw.rectangle((0, HEIGHT * 0.62, WIDTH, HEIGHT * 0.85), fill=(90, 150, 200))
    draw.arc((200, 330, 760, 700), 180, 360, fill=(120, 115, 110), width=28)
    draw.rectangle((180, 470, 780, 490), fill=(130, 125, 120))
    for x in range(200, 780, 40):
        draw.rectangle((x, 440, x + 6, 470), fill=(80, 70, 60))
    draw.rectangle((200, 440, 780, 446), fill=(80, 70, 60))


def _works(draw, rng):
    _road(draw, rng)
    for k in range(3):  # workers in hard hats
        x, y = 330 + k * 120 + rng.randint(-20, 20), 500
        draw.rectangle((x, y - 60, x + 26, y), fill=(30, 90, 160))
        draw.ellipse((x - 2, y - 92, x + 28, y - 62), fill=(230, 190, 150))
        draw.chord((x - 6, y - 100, x + 32, y - 72), 180, 360, fill=(250, 200, 0))
    draw.polygon([(620, 520), (700, 520), (660, 450)], fill=(230, 120, 30))  # a cone


SCENES = {"roads": _road, "water": _water, "electricity": _lights, "sanitation": _bins, "education": _books,
          "health": _clinic, "safety": _bridge, "works": _works, "other": _works}


@cache
def picture(scene: str, seed: int) -> bytes:
    """A JPEG of ``scene`` (a category code, or "works"). No caption: a card crops the bottom of a photo, and the
    item's title and the photo's description say what it shows."""
    rng = random.Random(seed)
    image = Image.new("RGB", (WIDTH, HEIGHT))
    draw = ImageDraw.Draw(image)
    _landscape(draw, rng, night=scene == "electricity")
    SCENES.get(scene, _works)(draw, rng)
    out = io.BytesIO()
    image.save(out, format="JPEG", quality=82)
    return out.getvalue()
