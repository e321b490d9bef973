"""Annotation bases (数据标注基地): designation, operator, member organisations, reported output."""
