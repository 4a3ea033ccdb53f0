"""The dashboard's summary tables: their refresh (the timer sweep) and the figures read from them."""
