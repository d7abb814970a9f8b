"""A standalone emulator of the Xero Practice Manager (XPM) API v3.1 and of the Xero identity
endpoints it needs, for demos, development and tests. It imports nothing from practicelink:
the two meet only over HTTP, as with the real XPM.

Run it: `python -m xpm_emulator --port 8765 --seed demo [--state FILE]`.
In tests: `xpm_emulator.testing.running_emulator()` (see that module).

Modules: `app` (create_app), `gateway` (auth, limits, faults, call log in front of the
endpoints), `resources/` (staff, client, job and catalogue endpoints), `render` and `xml`
(XPM's XML), `identity` (authorize, token, connections), `control` (the `/_emulator/` API),
`store` and `models` (state and snapshot), `limits`, `faults`, `clock`, `seed`, `config`,
`server` (command line), `testing`.
"""
