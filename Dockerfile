# syntax=docker/dockerfile:1
# Build stage: a wheel of the project and its dependencies.
FROM python:3.11-slim AS build
WORKDIR /src
RUN pip install --no-cache-dir --upgrade pip wheel
COPY pyproject.toml README.md ./
COPY bot ./bot
COPY dialogues ./dialogues
COPY storage ./storage
RUN pip wheel --no-cache-dir --wheel-dir /wheels .

# Runtime stage: only the installed wheels and an unprivileged user.
FROM python:3.11-slim
ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    DATABASE_URL=sqlite+aiosqlite:////data/refleks.db
RUN useradd --create-home --uid 10001 refleks \
    && mkdir -p /data && chown refleks:refleks /data
COPY --from=build /wheels /wheels
RUN pip install --no-cache-dir /wheels/* && rm -rf /wheels
USER refleks
WORKDIR /home/refleks
VOLUME ["/data"]
ENTRYPOINT ["refleks"]
CMD ["run"]
