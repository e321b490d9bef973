"""Red flags (红旗预警) over the tender exchange's data, in the spirit of OCDS Cardinal's indicators.

- `facts`: the plain data each flag looks at (frozen dataclasses, no Django);
- `flags`: one pure function per flag, facts + thresholds → evidence (a dict) or None;
- `loading`: the selector that reads those facts for many tenders in a few queries;
- `models`, `services`, `selectors`, `tasks`, `views`, `api`: the alerts and what people do with them.
"""
