#!/usr/bin/env bash
# PHP needs Debian's php-cli and php-guzzlehttp-guzzle (installed by CI / by hand with apt-get; this
# script does not install them): it only checks that php can load Guzzle from /usr/share/php.
set -euo pipefail
AUTOLOAD=/usr/share/php/GuzzleHttp/autoload.php
if [ ! -f "$AUTOLOAD" ]; then
  echo "php: $AUTOLOAD not found: apt-get install -y php-cli php-guzzlehttp-guzzle" >&2
  exit 1
fi
php -r 'require "'"$AUTOLOAD"'";
  if (!class_exists("GuzzleHttp\\Client") || !class_exists("GuzzleHttp\\Psr7\\Request")) { fwrite(STDERR, "php: Guzzle classes not loadable\n"); exit(1); }
  echo "php ", PHP_VERSION, ", Guzzle ", \GuzzleHttp\ClientInterface::MAJOR_VERSION, ".x\n";'
dpkg-query -W -f='php-guzzlehttp-guzzle ${Version}\n' php-guzzlehttp-guzzle 2>/dev/null || true
