"""Excellent cases (优秀案例) and competitions (创新大赛) for the public pages."""
