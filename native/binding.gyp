{
  "targets": [
    {
      "target_name": "peregrine_mmsg",
      "sources": ["mmsg.c"],
      "defines": ["NAPI_VERSION=8"],
      "cflags": ["-O2", "-Wall", "-Wextra", "-Wno-unused-parameter"]
    }
  ]
}
