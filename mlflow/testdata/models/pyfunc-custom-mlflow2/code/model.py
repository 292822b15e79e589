placeholder bytes for code/model.py of fixture pyfunc-custom-mlflow2
