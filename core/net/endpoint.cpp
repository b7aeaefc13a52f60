// placeholder: implemented by the config/endpoint work
