"""The WSGI entry point for servers run by hand: `gunicorn -w 1 --threads 100 wsgi:app`.

`gate serve` does the same and also migrates first and starts the expired-hold
sweeper; with a server started this way, run `gate db upgrade` first (expired
holds are still released whenever stock is read).
"""
from checkin import create_app

app = create_app()
