# The production-shaped image: web (gunicorn), worker and beat all run from it.
FROM python:3.11-slim-bookworm

ENV PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1 PIP_NO_CACHE_DIR=1
# WeasyPrint (PDF export) needs Pango; gettext compiles the translation catalogues.
RUN apt-get update \
    && apt-get install -y --no-install-recommends libpango-1.0-0 libpangoft2-1.0-0 libharfbuzz0b fonts-dejavu-core gettext \
    && rm -rf /var/lib/apt/lists/*

WORKDIR /app
COPY requirements.txt .
RUN pip install -r requirements.txt
COPY . .
RUN useradd --system --home /app gvi && mkdir -p /app/var && chown -R gvi /app/var
# collectstatic needs settings, not secrets: build-time values only.
RUN GVI_ENVIRONMENT=development STATIC_MANIFEST=true python manage.py collectstatic --noinput
# Every process the image runs (web, worker, beat, manage.py) is production unless told otherwise.
ENV GVI_ENVIRONMENT=production
USER gvi
EXPOSE 8000
CMD ["gunicorn", "config.wsgi:application", "--config", "config/gunicorn.py"]
