"""Serve the chatbot: `python launch.py [--demo] [--data-dir DIR] [--host H] [--port P]`.

A thin entry point: reads the settings, builds the app and serves it (same as `chatbot serve`).
"""

import sys

from chatbot.cli import main

if __name__ == "__main__":
    sys.exit(main(["serve", *sys.argv[1:]]))
