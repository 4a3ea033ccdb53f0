FROM python:3.11-slim-bookworm
ENV PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1 DJANGO_SETTINGS_MODULE=config.settings
WORKDIR /app
RUN useradd --create-home --uid 1000 app
COPY requirements.txt .
RUN pip install --no-cache-dir -r requirements.txt
COPY . .
# Static files and compiled translations are built into the image (placeholder keys: nothing is encrypted here).
ARG BUILD_KEYS="SECRET_KEY=build-only FIELD_ENCRYPTION_KEYS=build-only SEARCH_HASH_KEY=build-only"
RUN env $BUILD_KEYS python manage.py compile_translations \
 && env $BUILD_KEYS python manage.py collectstatic --noinput
USER app
EXPOSE 8000
CMD ["gunicorn", "config.wsgi:application", "--bind", "0.0.0.0:8000", "--workers", "3", "--max-requests", "2000"]
