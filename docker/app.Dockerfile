# The mp2v application (CLI + dashboard) in a venv on the debootstrap base; built by `mp2v db image --app`
# (a slim temporary context) or by `docker-compose build dashboard` (context: the checkout root).
# RUN steps reach PyPI through the host's network: build with `--network host` (no bridge exists here).
FROM mp2v-base:bookworm

ENV PATH=/opt/mp2v/venv/bin:/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin \
    LANG=C.UTF-8 \
    PIP_NO_CACHE_DIR=1 \
    PIP_CERT=/etc/ssl/certs/ca-certificates.crt \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    PYTHONUNBUFFERED=1

RUN useradd --create-home --uid 1000 --shell /bin/bash mp2v \
 && python3 -m venv /opt/mp2v/venv

# Dependencies first, from pyproject.toml alone: this (large) layer is reused while they do not change.
COPY pyproject.toml /src/pyproject.toml
RUN python -c "import tomllib; print('\n'.join(tomllib.load(open('/src/pyproject.toml', 'rb'))['project']['dependencies']))" \
        > /tmp/requirements.txt \
 && pip install -r /tmp/requirements.txt \
 && rm /tmp/requirements.txt

# Explicit paths, never `COPY . `: the checkout also holds .venv/ and .mp2v/ (gigabytes).
COPY README.md /src/README.md
COPY mp2v /src/mp2v
COPY loaders /src/loaders
COPY dashboard /src/dashboard
COPY cypher /src/cypher
COPY data/lastfm-hetrec2011 /src/data/lastfm-hetrec2011
COPY server/pom.xml /src/server/pom.xml
COPY docker /src/docker
RUN pip install --no-deps /src && rm -rf /src

USER mp2v
WORKDIR /home/mp2v
ENV MP2V_HOME=/home/mp2v/.mp2v
EXPOSE 8501
CMD ["mp2v", "dashboard", "--port", "8501", "--address", "127.0.0.1"]
