"""The big physical button (GPIO, via gpiozero): a press does what the screen's Speak / Done button does."""

import logging

log = logging.getLogger(__name__)


def attach(pin: int, pressed):
    """Call ``pressed()`` on every press of the button on GPIO ``pin`` (BCM numbering, wired to ground).

    Returns the gpiozero Button, or None where there is no GPIO (a PC): the touch screen and the space bar
    still work. Tests use gpiozero's mock pin factory."""
    try:
        from gpiozero import Button
        from gpiozero.exc import BadPinFactory, GPIOZeroError
    except ImportError:
        log.warning("gpiozero is not installed: no physical button")
        return None
    try:
        button = Button(pin, pull_up=True, bounce_time=0.1)
    except (BadPinFactory, GPIOZeroError, OSError) as error:
        log.warning("no button on GPIO %s (%s): the touch screen and the space bar still work", pin, error)
        return None
    button.when_pressed = lambda: pressed()
    return button
