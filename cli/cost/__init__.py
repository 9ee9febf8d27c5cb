"""`llz cost`: monthly estimates from a Plan and the bandwidth decision.

Modules: ``prices`` (the sourced price table), ``estimate`` (Plan -> monthly cost per
resource), ``bandwidth`` (the options and their break-even traffic), ``chart`` (cost against
traffic, PNG or SVG), ``report``/``render`` (JSON, terminal and Markdown), ``api`` (the cost
delta between two plans, used by `llz diff`).
"""
