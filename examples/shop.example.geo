# Knot mod-geoip response file (subnet mode) for shop.example.: see README "Answers by client network".
www.shop.example:
  - net: 127.0.0.0/24
    A: 192.0.2.101
  - net: 127.0.1.0/24
    A: 192.0.2.102
