"""The languages a guest-facing screen (the kiosk) is written in; an event picks from these."""

# Each has its texts in static/js/kiosk-texts.js; a test checks the two lists agree.
LANGUAGES = {"en": "English", "de": "Deutsch", "fr": "Français", "es": "Español", "nl": "Nederlands",
             "it": "Italiano"}
DEFAULT = ["en"]
