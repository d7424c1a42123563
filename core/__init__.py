"""The ground floor every app may import: Japanese dates, kana and 年度 (japanese), and
the one way a service saves a model with its history user (saving). It imports no app."""
