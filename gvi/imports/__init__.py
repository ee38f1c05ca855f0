"""Imports from spreadsheets (CSV and XLSX): reading hostile files safely, the columns of each
kind of record with their Swedish and English headers, and the templates. The writes are in
`gvi.services.imports`; see docs/imports.md."""
